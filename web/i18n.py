"""Words and formats of the workspace: Bahasa Indonesia first, English by the switch.

The catalogue is a typed Python module rather than Babel .po/.mo files: nothing to compile,
so no build step for anyone, and a missing translation fails a test
(tests/web/test_i18n.py checks that every key a template uses is here, in both languages).
Add a word: one line in MESSAGES, `{{ _("key") }}` in the template.

Formats (workspace.md): dates "2 Desember 2026", times "14.30 WIB" in the unit's zone
(Asia/Jakarta unless the unit has its own: WITA, WIT), numbers with "." for thousands.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class Language(StrEnum):
    ID = "id"
    EN = "en"


DEFAULT_LANGUAGE = Language.ID

# key -> (Indonesian, English). Placeholders are str.format fields.
MESSAGES: dict[str, tuple[str, str]] = {
    # frame
    "app.name": ("Sinergi", "Sinergi"),
    "app.tagline": (
        "Pelatihan vokasi dan sertifikasi warga binaan",
        "Vocational training and certification of inmates",
    ),
    "nav.skip": ("Langsung ke isi", "Skip to content"),
    "nav.inbox": ("Tugas Saya", "My tasks"),
    "nav.notifications": ("Notifikasi", "Notifications"),
    "notifications.title": ("Notifikasi", "Notifications"),
    "notifications.bell": ("Notifikasi", "Notifications"),
    "notifications.unread": ("belum dibaca", "unread"),
    "notifications.unread_count": ("{count} belum dibaca", "{count} unread"),
    "notifications.new": ("Baru", "New"),
    "notifications.mark_read": ("Tandai sudah dibaca", "Mark as read"),
    "notifications.none": ("Belum ada notifikasi.", "No notifications yet."),
    "nav.main": ("Navigasi utama", "Main navigation"),
    "session.signed_in_as": ("Masuk sebagai", "Signed in as"),
    "session.role": ("Peran", "Role"),
    "session.scope": ("Lingkup", "Scope"),
    "session.switch_role": ("Ganti peran", "Switch role"),
    "session.switch": ("Ganti", "Switch"),
    "session.sign_out": ("Keluar", "Sign out"),
    "session.expired": (
        "Sesi Anda telah berakhir. Silakan masuk lagi.",
        "Your session has ended. Please sign in again.",
    ),
    "session.signed_out": ("Anda telah keluar.", "You have signed out."),
    "lang.label": ("Bahasa", "Language"),
    "lang.id": ("Bahasa Indonesia", "Bahasa Indonesia"),
    "lang.en": ("English", "English"),
    # sign in
    "login.title": ("Masuk", "Sign in"),
    "login.intro": (
        "Masuk dengan akun kementerian Anda untuk melihat dan memutuskan tugas Anda.",
        "Sign in with your ministry account to see and decide your tasks.",
    ),
    "login.oidc": ("Masuk dengan akun kementerian", "Sign in with your ministry account"),
    "login.oidc_missing": (
        "Penyedia identitas belum dikonfigurasi. Hubungi administrator.",
        "No identity provider is configured. Contact your administrator.",
    ),
    "login.personas": ("Masuk sebagai (hanya pengembangan)", "Sign in as (development only)"),
    "login.personas_hint": (
        "Pengguna contoh untuk pengembangan dan pengujian; tidak tersedia di produksi.",
        "Sample people for development and tests; not available in production.",
    ),
    "login.persona_button": ("Masuk sebagai {name}", "Sign in as {name}"),
    "login.failed": ("Gagal masuk", "Sign-in failed"),
    "login.no_role": (
        "Akun Anda tidak memiliki peran di Sinergi. Hubungi administrator.",
        "Your account has no role in Sinergi. Contact your administrator.",
    ),
    # roles
    "role.caseworker": ("Petugas pembinaan", "Caseworker"),
    "role.tpp_member": ("Anggota TPP", "TPP member"),
    "role.kemnaker_instructor": ("Instruktur Kemnaker", "Kemnaker instructor"),
    "role.kemnaker_officer": ("Petugas Kemnaker", "Kemnaker officer"),
    "role.lsp_assessor": ("Asesor LSP", "LSP assessor"),
    "role.bapas_officer": ("Pembimbing Kemasyarakatan (Bapas)", "Bapas officer (PK)"),
    "role.employer": ("Pemberi Kerja", "Employer"),
    "role.kemnaker_verifier": ("Verifikator Kemnaker", "Kemnaker verifier"),
    "role.kemnaker_director": ("Direktur Kemnaker", "Kemnaker director"),
    "role.imigrasi_officer": ("Petugas Imigrasi", "Imigrasi officer"),
    "role.auditor": ("Auditor", "Auditor"),
    "role.supervisor": ("Supervisor", "Supervisor"),
    "role.sdp_system": ("Sistem SDP", "SDP system"),
    "role.administrator": ("Administrator", "Administrator"),
    "role.operator": ("Operator sistem", "System operator"),
    # auditors: case search and a case's history (web/audit_pages.py)
    "nav.cases": ("Pencarian kasus", "Case search"),
    "nav.reports": ("Laporan", "Reports"),
    "cases.title": ("Pencarian kasus", "Case search"),
    "cases.intro": (
        "Semua kasus dalam lingkup audit Anda, terbaru lebih dulu. Tanpa data pribadi.",
        "Every case in your audit scope, newest first. No personal data.",
    ),
    "cases.kind": ("Jenis kasus", "Kind of case"),
    "cases.stage": ("Tahap", "Stage"),
    "cases.stage_hint": ("mis. training, visa_decision", "e.g. training, visa_decision"),
    "cases.unit": ("Unit (UPT)", "Unit (UPT)"),
    "cases.programme": ("Program pelatihan", "Programme"),
    "cases.employer": ("NIB Pemberi Kerja", "Employer's NIB"),
    "cases.opened_from": ("Dibuka sejak", "Opened from"),
    "cases.opened_until": ("Dibuka sampai", "Opened until"),
    "cases.sla_breached": ("Hanya yang melewati batas waktu", "Only past their due dates"),
    "cases.case": ("Kasus", "Case"),
    "cases.opened": ("Dibuka", "Opened"),
    "cases.sla": ("Batas waktu", "Due dates"),
    "cases.breached": ("Terlambat", "Overdue"),
    "cases.on_time": ("Tepat waktu", "On time"),
    "cases.empty": ("Tidak ada kasus yang cocok.", "No case matches."),
    "cases.back": ("Kembali ke pencarian kasus", "Back to the case search"),
    "casekind.enrolment": ("Pendaftaran program", "Programme enrolment"),
    "casekind.journey": ("Perjalanan WBP", "Inmate journey"),
    "casekind.tka_permit": ("Permohonan TKA", "TKA permit application"),
    "case.workflow": ("Alur kerja", "Workflow"),
    "case.runs": ("{n} putaran", "{n} run(s)"),
    "case.verdicts": ("Kesimpulan pemeriksaan", "Verdicts"),
    "case.chain": ("Jejak audit", "Audit trail"),
    "case.chain_ok": ("Terverifikasi", "Verified"),
    "case.chain_broken": ("Mata rantai rusak", "Broken link"),
    "case.no_trail": ("Belum ada jejak audit", "No audit trail yet"),
    "case.chain_counts": (
        "{rows} baris rantai kasus ini dan {anchors} jangkar diperiksa: setiap hash cocok.",
        "{rows} rows of this case's chain and {anchors} anchors checked: every hash matches.",
    ),
    "case.consistency": ("Riwayat dan jejak audit", "History and audit trail"),
    "case.consistent": ("Konsisten: {n} keputusan cocok", "Consistent: {n} decisions match"),
    "case.inconsistent": ("Tidak konsisten", "Inconsistent"),
    "case.consistency_counts": (
        "{history} keputusan di riwayat Temporal, {trail} keputusan di jejak audit, "
        "{matched} cocok.",
        "{history} decisions in the Temporal history, {trail} decisions in the audit trail, "
        "{matched} matched.",
    ),
    "case.consistency_means": (
        "Yang dihitung: keputusan yang dikirim seseorang (bukan baris tugas kotak masuk), "
        "dicocokkan menurut pelaku, peran dan waktu.",
        "What is counted: decisions a person sent (not the inbox's task lines), matched by "
        "actor, role and time.",
    ),
    "case.missing_in_trail": ("Di riwayat, tidak di jejak audit", "In the history, not the trail"),
    "case.missing_in_history": (
        "Di jejak audit, tidak di riwayat",
        "In the trail, not the history",
    ),
    "case.differs": ("Keputusan berbeda", "Decision differs"),
    # auditors: reports (web/report_pages.py)
    "reports.title": ("Laporan", "Reports"),
    "reports.intro": (
        "Grafik dari angka yang sama dengan tabel dan berkas CSV di sampingnya, dalam lingkup "
        "audit Anda.",
        "Charts drawn from the same numbers as the table and the CSV beside them, within your "
        "audit scope.",
    ),
    "reports.csv": ("Unduh CSV", "Download CSV"),
    "reports.chart_of": ("Grafik: {name}", "Chart: {name}"),
    "reports.chart_caption": (
        "Angka lengkapnya ada di tabel di bawah.",
        "The full numbers are in the table below.",
    ),
    "reports.empty": ("Belum ada data.", "No data yet."),
    "report.certification-funnel": (
        "Corong sertifikasi per UPT dan program",
        "Certification funnel per UPT and programme",
    ),
    "report.tka-pipeline": ("Alur permohonan TKA per tahap", "TKA pipeline per stage"),
    "report.sla-compliance": (
        "Kepatuhan batas waktu per langkah dan kementerian",
        "SLA compliance per step and ministry",
    ),
    "report.funnel.enrolled": ("Didaftarkan", "Enrolled"),
    "report.funnel.placed": ("Ditempatkan", "Placed"),
    "report.funnel.trained": ("Selesai pelatihan", "Trained"),
    "report.funnel.assessed": ("Diuji", "Assessed"),
    "report.funnel.competent": ("Kompeten", "Competent"),
    "report.funnel.certified": ("Bersertifikat", "Certified"),
    "report.funnel.released_with_certificate": (
        "Bebas dengan sertifikat",
        "Released with certificate",
    ),
    "report.pipeline.entered": ("Pernah mencapai", "Reached"),
    "report.pipeline.current": ("Saat ini", "There now"),
    "report.pipeline.overdue": ("Terlambat", "Overdue"),
    "report.sla.compliance": ("Kepatuhan (%)", "Compliance (%)"),
    "case.what": ("Apa", "What"),
    "case.who": ("Siapa", "Who"),
    "case.decision": ("Keputusan", "Decision"),
    "case.why": ("Alasan", "Reason"),
    # inbox
    "inbox.title": ("Tugas Saya", "My tasks"),
    "inbox.empty": ("Tidak ada tugas untuk Anda saat ini.", "You have no tasks right now."),
    "inbox.count": ("{count} tugas ditampilkan", "{count} tasks shown"),
    "inbox.col.task": ("Tugas", "Task"),
    "inbox.col.case": ("Kasus", "Case"),
    "inbox.col.unit": ("Unit", "Unit"),
    "inbox.col.due": ("Batas waktu", "Due date"),
    "inbox.col.holder": ("Diambil oleh", "Claimed by"),
    "inbox.unclaimed": ("Belum diambil", "Unclaimed"),
    "inbox.mine": ("Diambil oleh saya", "Claimed by me"),
    "inbox.overdue": ("Terlambat", "Overdue"),
    "inbox.days_left": ("{n} hari kerja lagi", "{n} working days left"),
    "inbox.due_today": ("Hari ini", "Today"),
    "inbox.no_due": ("Tanpa batas waktu", "No due date"),
    "inbox.next": ("Berikutnya", "Next"),
    "inbox.previous": ("Sebelumnya", "Previous"),
    "inbox.pagination": ("Halaman", "Pages"),
    # task kinds
    "kind.placement_review": ("Sidang TPP penempatan", "Placement review (TPP)"),
    "kind.training_completion": ("Penutupan pelatihan", "Closing training"),
    "kind.assessment": ("Uji kompetensi", "Competency assessment"),
    "kind.appeal_review": ("Banding", "Appeal"),
    "kind.transfer_review": ("Tinjauan pemindahan", "Transfer review"),
    "kind.sanction_review": ("Tinjauan hukuman disiplin", "Sanction review"),
    "kind.handover_bapas": ("Serah terima (Bapas)", "Handover (Bapas)"),
    "kind.handover_job_placement": ("Serah terima (penempatan kerja)", "Handover (job placement)"),
    "kind.document_verification": ("Verifikasi dokumen", "Document verification"),
    "kind.resubmission": ("Perlu perbaikan", "Revision requested"),
    "kind.feasibility": ("Penilaian kelayakan", "Feasibility assessment"),
    "kind.rptka_approval": ("Pengesahan RPTKA", "RPTKA approval"),
    "kind.visa_decision": ("Visa kerja (C312)", "Work visa (C312)"),
    "kind.arrival": ("Kedatangan dan ITAS", "Arrival and ITAS"),
    # a task
    "task.state": ("Status", "State"),
    "task.state.open": ("Terbuka", "Open"),
    "task.state.claimed": ("Diambil", "Claimed"),
    "task.state.escalated": ("Dieskalasi", "Escalated"),
    "task.state.decided": ("Diputuskan", "Decided"),
    "task.state.cancelled": ("Dibatalkan", "Cancelled"),
    "task.claim": ("Ambil", "Claim"),
    "task.unclaim": ("Lepaskan", "Release"),
    "task.reassign": ("Alihkan", "Reassign"),
    "task.reassign_to": ("Alihkan kepada (ID pengguna)", "Reassign to (user id)"),
    "task.decide": ("Putuskan", "Decide"),
    "task.held_by_other": (
        "Tugas ini sedang diambil oleh {name}.",
        "This task is claimed by {name}.",
    ),
    "task.reason": ("Alasan", "Reason"),
    "task.reason_hint": (
        "Wajib diisi, minimal 3 karakter. Dicatat bersama nama dan peran Anda.",
        "Required, at least 3 characters. Recorded with your name and role.",
    ),
    "task.closed": ("Tugas ini sudah selesai", "This task is closed"),
    "task.history": ("Riwayat tugas", "Task history"),
    "task.action.opened": ("Dibuka", "Opened"),
    "task.action.claimed": ("Diambil", "Claimed"),
    "task.action.unclaimed": ("Dilepaskan", "Released"),
    "task.action.reassigned": ("Dialihkan", "Reassigned"),
    "task.action.escalated": ("Dieskalasi", "Escalated"),
    "task.action.decided": ("Diputuskan", "Decided"),
    "task.action.cancelled": ("Dibatalkan", "Cancelled"),
    "task.form.training_completion": (
        "Tutup pelatihan: kehadiran minimal 80% dan semua modul selesai.",
        "Close training: at least 80% attendance and every module done.",
    ),
    "task.form.handover_bapas": (
        "Konfirmasi penerimaan paket serah terima (mis. terdaftar sebagai Klien).",
        "Acknowledge receipt of the handover package (e.g. registered as Klien).",
    ),
    "task.form.handover_job_placement": (
        "Konfirmasi penerimaan paket serah terima untuk penempatan kerja.",
        "Acknowledge receipt of the handover package for job placement.",
    ),
    "task.placement.question": ("Keputusan sidang TPP", "The TPP's decision"),
    "task.placement.approve": ("Setujui", "Approve"),
    "task.placement.reject": ("Tolak", "Reject"),
    "task.placement.defer": ("Tunda", "Defer"),
    "task.placement.exception": (
        "Berikan pengecualian: bebas sebelum program selesai",
        "Grant the exception: released before the programme ends",
    ),
    "task.placement.defer_until": ("Tunda sampai", "Defer until"),
    "task.placement.defer_hint": ("Hanya untuk Tunda.", "Only when deferring."),
    "task.hold.question": ("Lanjutkan atau tarik pendaftaran?", "Resume or withdraw?"),
    "task.hold.resume": ("Lanjutkan", "Resume"),
    "task.hold.withdraw": ("Tarik (hentikan program)", "Withdraw"),
    "task.assessment.tuk": ("Kode TUK", "TUK code"),
    "task.assessment.units": ("Hasil per unit kompetensi", "Result per competency unit"),
    "task.assessment.unit": ("Unit kompetensi", "Competency unit"),
    "result.K": ("Kompeten (K)", "Competent (K)"),
    "result.BK": ("Belum Kompeten (BK)", "Not yet competent (BK)"),
    "task.appeal.panel": ("Panel banding (ID asesor)", "Appeal panel (assessor ids)"),
    "task.appeal.panel_hint": (
        "Minimal 3 asesor, bukan asesor yang diajukan banding; pisahkan dengan koma.",
        "At least 3 assessors, not the contested one; separate with commas.",
    ),
    "task.appeal.question": ("Putusan banding", "Appeal decision"),
    "task.appeal.uphold": ("Kuatkan hasil", "Uphold the result"),
    "task.appeal.reassess": ("Perintahkan uji ulang", "Order a reassessment"),
    "case.inmate": ("Warga Binaan (WBP)", "Inmate"),
    # a case (enrolment)
    "case.title": ("Pendaftaran program", "Programme enrolment"),
    "case.decided": ("Keputusan Anda telah dicatat.", "Your decision has been recorded."),
    "case.programme": ("Program pelatihan", "Programme"),
    "case.stage": ("Tahap", "Stage"),
    "case.awaiting": ("Menunggu", "Waiting for"),
    "case.diagram": ("Posisi kasus", "Where the case stands"),
    "case.step.done": ("Selesai", "Done"),
    "case.step.current": ("Tahap sekarang", "Current stage"),
    "case.step.todo": ("Belum", "Not yet"),
    "case.held": ("Ditahan", "On hold"),
    "case.loops": (
        "Putaran: penundaan penempatan; pelatihan remedial dan uji ulang (maks. 2); banding; "
        "penangguhan karena pemindahan atau hukuman disiplin.",
        "Loops: deferred placement; remedial training and reassessment (at most 2); appeal; "
        "holds for a transfer or a disciplinary sanction.",
    ),
    "case.now": ("Yang dapat dilakukan sekarang", "What can be done now"),
    "case.progress": ("Kemajuan", "Progress"),
    "case.attendance": (
        "Kehadiran: {present} dari {total} sesi ({pct}%; minimal {needed}%)",
        "Attendance: {present} of {total} sessions ({pct}%; at least {needed}%)",
    ),
    "case.attendance_ok": ("Memenuhi syarat 80%", "Meets the 80% rule"),
    "case.attendance_short": ("Belum memenuhi syarat", "Not enough yet"),
    "case.modules": ("Modul selesai: {done} dari {total}", "Modules done: {done} of {total}"),
    "case.attempts": ("Uji kompetensi", "Competency assessments"),
    "case.assessor": ("Asesor", "Assessor"),
    "case.when": ("Tanggal", "Date"),
    "case.certificate": ("Sertifikat kompetensi (BNSP)", "Competency certificate (BNSP)"),
    "case.timeline": ("Riwayat: siapa melakukan apa", "Timeline: who did what"),
    "stage.placement_review": ("Sidang TPP penempatan", "Placement review"),
    "stage.placement_deferred": ("Penempatan ditunda", "Placement deferred"),
    "stage.training": ("Pelatihan", "Training"),
    "stage.assessment": ("Uji kompetensi", "Assessment"),
    "stage.remedial": ("Pelatihan remedial", "Remedial training"),
    "stage.awaiting_appeal": ("Masa banding", "Appeal window"),
    "stage.appeal_review": ("Banding", "Appeal"),
    "stage.certification": ("Sertifikasi BNSP", "BNSP certification"),
    "stage.suspended": ("Ditangguhkan (pemindahan)", "Suspended (transfer)"),
    "stage.paused": ("Dijeda (hukuman disiplin)", "Paused (sanction)"),
    "stage.closed": ("Selesai", "Closed"),
    # A journey's and a placement follow-up's stage (the inbox's stage filter).
    "stage.handover": ("Serah terima", "Handover"),
    "stage.following_up": ("Tindak lanjut penempatan kerja", "Job placement follow-up"),
    "outcome.certified": ("Bersertifikat", "Certified"),
    "outcome.not_competent": ("Belum Kompeten", "Not competent"),
    "outcome.withdrawn": ("Ditarik", "Withdrawn"),
    "outcome.rejected": ("Ditolak", "Rejected"),
    "outcome.unfinished_at_release": ("Belum selesai saat bebas", "Unfinished at release"),
    # training register
    "nav.register": ("Daftar hadir", "Attendance register"),
    "register.title": ("Daftar hadir pelatihan", "Training attendance register"),
    "register.show": ("Tampilkan kelompok", "Show the cohort"),
    "register.results": ("Hasil per warga binaan", "Result per inmate"),
    "register.result": ("Hasil", "Result"),
    "register.saved": ("Tersimpan", "Saved"),
    "register.refused": ("Ditolak", "Refused"),
    "register.attendance": ("Kehadiran satu sesi", "Attendance of one session"),
    "register.session_no": ("Sesi ke (1 sampai {total})", "Session number (1 to {total})"),
    "register.session_date": ("Tanggal sesi", "Session date"),
    "register.caption": ("Warga binaan dalam pelatihan", "Inmates in training"),
    "register.present": ("Hadir", "Present"),
    "register.save": ("Simpan kehadiran", "Save attendance"),
    "register.modules": ("Modul selesai", "Modules completed"),
    "register.module": ("Modul", "Module"),
    "register.who": ("Warga binaan", "Inmates"),
    "register.save_modules": ("Simpan modul", "Save modules"),
    "register.close": ("Penutupan pelatihan", "Closing training"),
    "register.close_button": ("Tutup pelatihan", "Close training"),
    "register.empty": (
        "Tidak ada warga binaan dalam tahap pelatihan untuk program ini.",
        "No inmate of this programme is in training.",
    ),
    # cohort upload
    "nav.cohort": ("Pendaftaran kelompok", "Cohort enrolment"),
    "cohort.title": ("Pendaftaran kelompok (CSV)", "Enrol a cohort (CSV)"),
    "cohort.intro": (
        "Unggah berkas CSV berisi warga binaan UPT Anda; setiap baris diperiksa dengan aturan "
        "yang sama seperti pendaftaran satu per satu.",
        "Upload a CSV of inmates of your UPT; each row passes the same rules as a single "
        "enrolment.",
    ),
    "cohort.file": ("Berkas CSV", "CSV file"),
    "cohort.file_hint": ("Baris pertama harus:", "The first line must be:"),
    "cohort.upload": ("Unggah dan daftarkan", "Upload and enrol"),
    "cohort.progress": ("{done} dari {total} baris diproses", "{done} of {total} rows processed"),
    "cohort.done": (
        "Selesai: {accepted} diterima, {already} sudah terdaftar, {rejected} ditolak.",
        "Done: {accepted} accepted, {already} already enrolled, {rejected} rejected.",
    ),
    "cohort.download": ("Unduh baris yang ditolak (CSV)", "Download the rejected rows (CSV)"),
    "cohort.rejected": ("Baris yang ditolak", "Rejected rows"),
    "cohort.line": ("Baris", "Line"),
    "cohort.refresh": ("Muat ulang kemajuan", "Refresh the progress"),
    "cohort.another": ("Unggah berkas lain", "Upload another file"),
    "cohort.settled": (
        "{settled} dari {accepted} baris yang diterima sudah tuntas (pendaftaran dan tugas "
        "sidang TPP tercatat)",
        "{settled} of {accepted} accepted rows settled (enrolment and TPP placement task written)",
    ),
    "cohort.settling": (
        "Masih diproses: {settling} (belum diserahkan ke perjalanan warga binaan: {queued}). "
        "Ditolak kemudian: {refused}.",
        "Still settling: {settling} ({queued} not yet handed to the inmate's journey). "
        "Refused later: {refused}.",
    ),
    "cohort.refused_later": (
        "Baris yang diterima lalu ditolak kemudian (oleh perjalanan warga binaan, atau karena "
        "tidak dapat diserahkan kepadanya)",
        "Rows accepted, then refused later (by the inmate's journey, or because they could "
        "not be handed to it)",
    ),
    # journey
    "journey.title": ("Perjalanan Warga Binaan", "Inmate journey"),
    "journey.released": ("Pembebasan", "Release"),
    "journey.enrolments": ("Pendaftaran program", "Enrolments"),
    "journey.custody": ("Riwayat UPT dan peristiwa", "UPT history and custody events"),
    "journey.no_custody": ("Belum ada peristiwa.", "No custody events yet."),
    "journey.handovers": ("Serah terima", "Handovers"),
    "journey.no_handover": ("Belum ada serah terima.", "No handover yet."),
    "journey.recorded": ("Peristiwa telah dicatat.", "The event has been recorded."),
    "journey.report": ("Laporkan peristiwa", "Report a custody event"),
    "journey.kind": ("Jenis peristiwa", "Kind of event"),
    "journey.occurred_at": ("Waktu kejadian", "When it happened"),
    "journey.to_upt": ("UPT tujuan (pemindahan)", "Destination UPT (transfer)"),
    "journey.sanction_ref": ("Nomor register F", "Register F reference"),
    "journey.sanction_until": ("Hukuman sampai (boleh kosong)", "Sanction until (optional)"),
    "journey.release_kind": ("Jenis pembebasan", "Kind of release"),
    "journey.bapas": ("Bapas (PB, CB, CMB)", "Bapas (PB, CB, CMB)"),
    "journey.note": ("Catatan", "Note"),
    "custody.transfer": ("Pemindahan", "Transfer"),
    "custody.sanction": ("Hukuman disiplin (register F)", "Disciplinary sanction (register F)"),
    "custody.sanction_lifted": ("Hukuman disiplin dicabut", "Sanction lifted"),
    "custody.release": ("Pembebasan", "Release"),
    "release.free": ("Bebas murni", "Free"),
    "release.pb": ("Pembebasan Bersyarat", "Conditional release (PB)"),
    "release.cb": ("Cuti Bersyarat", "Conditional leave (CB)"),
    "release.cmb": ("Cuti Menjelang Bebas", "Leave before release (CMB)"),
    # enrol one inmate
    "nav.enrol": ("Daftarkan WBP", "Enrol an inmate"),
    "enrol.title": ("Daftarkan Warga Binaan ke program", "Enrol an inmate in a programme"),
    "enrol.search": ("Nomor registrasi SDP", "SDP registration number"),
    "enrol.not_found": (
        "Tidak ada warga binaan {sdp_no} di UPT Anda.",
        "No inmate {sdp_no} is held at your UPT.",
    ),
    "enrol.education": ("Pendidikan", "Education"),
    "enrol.release": ("Perkiraan bebas", "Expected release"),
    "enrol.submit": ("Ajukan pendaftaran", "Request the enrolment"),
    # errors
    "error.title": ("Terjadi masalah", "There is a problem"),
    "error.403": ("Anda tidak berwenang", "You are not allowed to do this"),
    "error.404": ("Halaman tidak ditemukan", "Page not found"),
    "error.409": ("Tidak dapat dilakukan sekarang", "This cannot be done now"),
    "error.422": ("Periksa isian Anda", "Check what you entered"),
    "error.503": ("Layanan sedang tidak tersedia", "The service is unavailable"),
    "error.csrf": (
        "Formulir ini kedaluwarsa atau tidak berasal dari Sinergi. Muat ulang halaman dan "
        "coba lagi.",
        "This form has expired or did not come from Sinergi. Reload the page and try again.",
    ),
    "error.back": ("Kembali ke Tugas Saya", "Back to my tasks"),
    # generic
    "action.search": ("Cari", "Search"),
    "action.filter": ("Saring", "Filter"),
    "action.save": ("Simpan", "Save"),
    "action.cancel": ("Batal", "Cancel"),
    "action.send": ("Kirim", "Send"),
    # the public certificate check (web/certificate_check_pages.py)
    "check.title": ("Cek Sertifikat Kompetensi", "Competency Certificate Check"),
    "check.footer": (
        "Sertifikat kompetensi diterbitkan melalui BNSP.",
        "Competency certificates are issued through BNSP.",
    ),
    "check.lead": (
        "Periksa keabsahan sertifikat kompetensi (BNSP) dengan nomor sertifikat dan tanggal "
        "lahir pemegangnya.",
        "Check whether a competency certificate (BNSP) is valid, with its number and its "
        "holder's date of birth.",
    ),
    "check.number": ("Nomor sertifikat", "Certificate number"),
    "check.number_hint": (
        "Seperti tertulis pada sertifikat, misalnya BNSP/SKM-BARISTA-2024/2026/000001",
        "As printed on the certificate, e.g. BNSP/SKM-BARISTA-2024/2026/000001",
    ),
    "check.birth_date": ("Tanggal lahir pemegang", "Holder's date of birth"),
    "check.birth_date_hint": (
        "Tahun-bulan-tanggal, misalnya 1994-03-17",
        "Year-month-day, e.g. 1994-03-17",
    ),
    "check.submit": ("Periksa", "Check"),
    "check.err_certificate_number": (
        "Isi nomor sertifikat (3 sampai 100 karakter)",
        "Enter the certificate number (3 to 100 characters)",
    ),
    "check.err_birth_date": (
        "Isi tanggal lahir yang benar, misalnya 1994-03-17",
        "Enter a real date of birth, e.g. 1994-03-17",
    ),
    "check.not_found": (
        "Sertifikat tidak ditemukan, atau tanggal lahir tidak cocok.",
        "No certificate matches this number and date of birth.",
    ),
    "check.limited": (
        "Terlalu banyak permintaan dari alamat Anda. Coba lagi dalam {seconds} detik.",
        "Too many look-ups from your address. Try again in {seconds} seconds.",
    ),
    "check.valid": ("Sertifikat berlaku", "The certificate is valid"),
    "check.expired": ("Sertifikat sudah tidak berlaku", "The certificate has expired"),
    "check.holder": ("Pemegang (inisial)", "Holder (initials)"),
    "check.scheme": ("Skema sertifikasi", "Certification scheme"),
    "check.lsp": ("Diterbitkan oleh", "Issued by"),
    "check.issued_on": ("Tanggal terbit", "Issued on"),
    "check.valid_until": ("Berlaku sampai", "Valid until"),
    "check.units": ("Unit kompetensi", "Competency units"),
    "check.again": ("Periksa sertifikat lain", "Check another certificate"),
    "check.privacy": (
        "Kami tidak menyimpan nomor, tanggal lahir, maupun alamat Anda; hanya jumlah "
        "pemeriksaan yang dihitung.",
        "We keep neither the number, the date of birth nor your address; only the number of "
        "checks is counted.",
    ),
    # TKA permits (web/permit_pages.py)
    "nav.permits": ("Permohonan saya", "My applications"),
    "permits.title": ("Permohonan saya", "My applications"),
    "permits.staff_title": ("Permohonan TKA", "TKA applications"),
    "permits.empty": ("Belum ada permohonan.", "No applications yet."),
    "permits.col.id": ("Nomor", "Reference"),
    "permits.col.position": ("Jabatan", "Position"),
    "permits.col.stage": ("Tahap", "Stage"),
    "permit.title": ("Permohonan {id}", "Application {id}"),
    "permit.waiting": ("Menunggu: {what} ({role})", "Waiting for: {what} ({role})"),
    "permit.closed": ("Selesai: {outcome}", "Closed: {outcome}"),
    "permit.rules": ("Pemeriksaan aturan", "Rule checks"),
    "permit.documents": ("Dokumen", "Documents"),
    "permit.open": ("Buka", "Open"),
    "permit.replaced": ("diganti", "replaced"),
    "permit.payment": ("Pembayaran DKPTKA", "DKPTKA payment"),
    "permit.billing_code": ("Kode billing DKPTKA", "DKPTKA billing code"),
    "permit.amount": ("Jumlah", "Amount"),
    "permit.deadline": ("Batas waktu", "Due date"),
    "permit.paid": ("Lunas", "Paid"),
    "permit.timeline": ("Riwayat", "Timeline"),
    "permit.revision": ("Perlu perbaikan", "Revision requested"),
    "permit.revision_reason": ("Alasan verifikator", "The verifier's reason"),
    "permit.file": (
        "Berkas (PDF, JPEG atau PNG, maks. 10 MB)",
        "File (PDF, JPEG or PNG, max 10 MB)",
    ),
    "permit.kind": ("Jenis dokumen", "Document type"),
    "permit.optional": ("tidak wajib", "optional"),
    "permit.reason": ("Alasan", "Reason"),
    "permit.send": ("Kirim", "Send"),
    "permit.annual_report": ("Laporan tahunan", "Annual report"),
    "permit.year": ("Tahun ke-", "Year"),
    "permit.extension": ("Perpanjangan", "Extension"),
    "permit.months": ("Lama perpanjangan (bulan)", "Extension (months)"),
    "permit.termination": ("Pengakhiran", "Termination"),
    "permit.valid": ("Berlaku {start} s.d. {end}", "Valid {start} to {end}"),
    "kind.payment": ("Pembayaran DKPTKA", "DKPTKA payment"),
    "kind.annual_report": ("Laporan tahunan", "Annual report"),
    "kind.extension_verification": ("Verifikasi perpanjangan", "Extension verification"),
    "kind.extension_approval": ("Persetujuan perpanjangan", "Extension approval"),
    "doc.passport_scan": ("Pindaian paspor", "Passport scan"),
    "doc.cv": ("Daftar riwayat hidup", "CV"),
    "doc.diploma": ("Ijazah", "Diploma"),
    "doc.pendamping_statement": ("Surat pernyataan pendamping", "Pendamping statement"),
    "doc.rptka_plan": ("Rencana RPTKA", "RPTKA plan"),
    "doc.annual_report": ("Laporan tahunan", "Annual report"),
    "doc.extension_request": ("Surat permohonan perpanjangan", "Extension request"),
    "stage.document_verification": ("Verifikasi dokumen", "Document verification"),
    "stage.revision": ("Perlu perbaikan", "Revision requested"),
    "stage.feasibility": ("Penilaian kelayakan", "Feasibility assessment"),
    "stage.payment": ("Pembayaran DKPTKA", "DKPTKA payment"),
    "stage.rptka_approval": ("Pengesahan RPTKA", "RPTKA approval"),
    "stage.immigration_checks": ("Pemeriksaan Imigrasi", "Immigration checks"),
    "stage.visa_decision": ("Visa kerja (C312)", "Work visa (C312)"),
    "stage.visa_hold": ("Visa ditunda", "Visa on hold"),
    "stage.awaiting_arrival": ("Kedatangan dan ITAS", "Arrival and ITAS"),
    "stage.active": ("Izin aktif", "Active permit"),
    # employer branch: the application form, drafts, rule checks, reviewers' task pages
    "application.title": ("Permohonan baru", "New application"),
    "application.new": ("Buat permohonan baru", "Start a new application"),
    "application.intro": (
        "Isi data TKA dan unggah dokumennya. Simpan sebagai draf untuk dilanjutkan nanti; "
        "aturan diperiksa saat permohonan dikirim.",
        "Fill in the TKA's details and upload the documents. Save a draft to go on later; "
        "the rules are checked when the application is sent.",
    ),
    "application.saved": ("Draf tersimpan.", "Draft saved."),
    "application.position": ("Jabatan dan lokasi kerja", "Position and work location"),
    "application.position_title": ("Nama jabatan", "Position title"),
    "application.position_title_hint": (
        "Jabatan berikut tertutup bagi TKA: {closed}.",
        "These positions are closed to foreign workers: {closed}.",
    ),
    "application.position_kind": ("Jenis jabatan", "Kind of position"),
    "application.work_location": ("Lokasi kerja", "Work location"),
    "application.province": ("Provinsi lokasi kerja", "Province of the work location"),
    "application.province_hint": (
        "Untuk laporan pengawasan TKA per provinsi.",
        "For the TKA supervision reports by province.",
    ),
    "application.sector": ("Sektor usaha (KBLI 2020)", "Business sector (KBLI 2020)"),
    "application.sector_hint": (
        "Kategori KBLI bidang usaha utama perusahaan, untuk laporan pengawasan TKA per sektor.",
        "The KBLI section of the company's main business line, for the supervision reports.",
    ),
    "application.choose": ("— pilih —", "— choose —"),
    "application.duration_months": ("Jangka waktu (bulan)", "Duration (months)"),
    "application.duration_hint": (
        "Paling lama {max} bulan; di Kawasan Ekonomi Khusus (KEK) paling lama {kek} bulan.",
        "At most {max} months; in a special economic zone (KEK) at most {kek} months.",
    ),
    "application.in_kek": (
        "Lokasi kerja di Kawasan Ekonomi Khusus (KEK)",
        "The work location is in a special economic zone (KEK)",
    ),
    "application.employer_category": ("Jenis pemberi kerja", "Kind of employer"),
    "application.employer_category_hint": (
        "Instansi pemerintah, perwakilan negara asing, badan internasional, lembaga sosial atau "
        "keagamaan dan jabatan pendidikan tertentu dibebaskan dari DKPTKA.",
        "Government bodies, foreign missions, international bodies, social or religious bodies "
        "and certain education posts are exempt from DKPTKA.",
    ),
    "application.tka": ("Tenaga kerja asing", "Foreign worker"),
    "application.tka_name": ("Nama sesuai paspor", "Name as in the passport"),
    "application.passport_no": ("Nomor paspor", "Passport number"),
    "application.passport_hint": (
        "6 sampai 9 huruf kapital atau angka, tanpa spasi.",
        "6 to 9 capital letters or digits, no spaces.",
    ),
    "application.nationality": ("Kewarganegaraan", "Nationality"),
    "application.nationality_hint": (
        "Kode negara ISO 3166 alpha-2, mis. IN, CN, JP, KR.",
        "ISO 3166 alpha-2 country code, e.g. IN, CN, JP, KR.",
    ),
    "application.pendamping": ("Tenaga kerja pendamping", "Pendamping (companion worker)"),
    "application.pendamping_hint": (
        "Wajib ditunjuk kecuali jabatan direktur atau komisaris.",
        "Must be named unless the position is director or commissioner.",
    ),
    "application.pendamping_name": ("Nama pendamping", "Pendamping's name"),
    "application.pendamping_position": ("Jabatan pendamping", "Pendamping's position"),
    "application.uploaded": ("Sudah diunggah: {name}", "Uploaded: {name}"),
    "application.choose_again": (
        "Tidak ada berkas yang disimpan; pilih berkas lagi.",
        "No file was stored; choose the files again.",
    ),
    "application.submit": ("Kirim permohonan", "Send the application"),
    "application.save": ("Simpan draf", "Save draft"),
    "application.drafts": ("Draf", "Drafts"),
    "application.problem.required": (
        "wajib diisi (paling sedikit 2 karakter)",
        "required (at least 2 characters)",
    ),
    "application.problem.number": ("isi dengan jumlah bulan, mis. 24", "give months, e.g. 24"),
    "application.problem.choose": ("pilih salah satu pilihan", "choose one of the options"),
    "application.draft_of": (
        "Draf {position} (disimpan {when})",
        "Draft {position} (saved {when})",
    ),
    "application.draft_untitled": ("tanpa jabatan", "no position yet"),
    "position.director": ("Direktur", "Director"),
    "position.commissioner": ("Komisaris", "Commissioner"),
    "position.manager": ("Manajer", "Manager"),
    "position.professional": ("Profesional", "Professional"),
    "position.technician": ("Teknisi", "Technician"),
    "position.educator": ("Pendidik", "Educator"),
    "category.company": ("Perusahaan", "Company"),
    "category.government": ("Instansi pemerintah", "Government body"),
    "category.foreign_mission": ("Perwakilan negara asing", "Foreign mission"),
    "category.international_body": ("Badan internasional", "International body"),
    "category.social_religious": ("Lembaga sosial atau keagamaan", "Social or religious body"),
    "category.education": ("Lembaga pendidikan", "Education"),
    "permit.termination_hint": (
        "Mengakhiri izin sebelum waktunya: Imigrasi menerbitkan EPO dan ITAS berakhir. "
        "Tidak dapat dibatalkan.",
        "Ending the permit early: Imigrasi issues an EPO and the ITAS ends. This cannot be undone.",
    ),
    "permit.termination_confirm": (
        "Saya mengerti izin ini berakhir dan TKA harus keluar dengan EPO",
        "I understand the permit ends and the TKA leaves on an exit permit (EPO)",
    ),
    "permit.termination_unconfirmed": (
        "Centang konfirmasi untuk mengakhiri izin; tidak ada yang diubah",
        "Tick the confirmation to end the permit; nothing was changed",
    ),
    "permit.terminate": ("Akhiri izin", "End the permit"),
    "task.choice.question": ("Keputusan", "Decision"),
    "task.choice.approve": ("Setujui", "Approve"),
    "task.choice.request_revision": ("Minta perbaikan", "Request a revision"),
    "task.choice.reject": ("Tolak", "Reject"),
    "task.choice.feasible": ("Layak", "Feasible"),
    "task.choice.not_feasible": ("Tidak layak", "Not feasible"),
    "task.choice.hold": ("Tunda: dokumen kurang", "Hold: documents missing"),
    "task.arrival.date": ("Tanggal kedatangan", "Date of arrival"),
    "task.arrival.date_hint": ("Tanggal di Jakarta (WIB).", "The Jakarta date (WIB)."),
    "task.arrival.port": ("Tempat pemeriksaan imigrasi", "Port of entry"),
    "task.permit.months": ("bulan", "months"),
    "task.permit.open_case": ("Buka halaman permohonan", "Open the application's page"),
    "task.permit.view": ("Lihat", "View"),
    "task.permit.viewer": ("Dokumen yang dibuka", "The document opened"),
    "task.permit.no_documents": (
        "Tidak ada dokumen untuk langkah ini.",
        "No documents for this step.",
    ),
    "rule.closed_position.ok": (
        "jabatan {position} tidak termasuk jabatan tertutup",
        "position {position} is not on the closed list",
    ),
    "rule.closed_position.fail": (
        "jabatan {position} tertutup bagi TKA: jabatan personalia dan SDM dijabat WNI",
        "position {position} is closed to foreign workers: personnel and HR posts are held by "
        "Indonesian citizens",
    ),
    "rule.duration.ok": ("durasi {months} bulan ≤ {limit}", "duration {months} months ≤ {limit}"),
    "rule.duration.fail": (
        "durasi {months} bulan melebihi batas {limit} bulan di luar KEK",
        "duration {months} months exceeds the {limit}-month limit outside a KEK",
    ),
    "rule.duration_kek.ok": (
        "durasi {months} bulan ≤ {limit} (KEK)",
        "duration {months} months ≤ {limit} (KEK)",
    ),
    "rule.duration_kek.fail": (
        "durasi {months} bulan melebihi batas {limit} bulan di KEK",
        "duration {months} months exceeds the {limit}-month limit in a KEK",
    ),
    "rule.pendamping.ok": ("pendamping ditunjuk", "pendamping named"),
    "rule.pendamping.fail": (
        "pendamping wajib ditunjuk untuk jabatan ini; hanya direktur dan komisaris dikecualikan",
        "a pendamping must be named for this position; only directors and commissioners are exempt",
    ),
    "rule.pendamping_exempt.ok": (
        "tanpa pendamping: direktur/komisaris",
        "no pendamping needed (director/commissioner)",
    ),
    "rule.pendamping_exempt.fail": (
        "pendamping tidak diperlukan untuk direktur/komisaris",
        "no pendamping is needed for a director/commissioner",
    ),
    "rule.passport.ok": ("nomor paspor sesuai format", "passport number well formed"),
    "rule.passport.fail": (
        "nomor paspor tidak sesuai format: 6 sampai 9 huruf kapital atau angka, tanpa spasi",
        "the passport number is malformed: 6 to 9 capital letters or digits, no spaces",
    ),
    "rule.nationality.ok": (
        "kewarganegaraan {code} (ISO 3166 alpha-2)",
        "nationality {code} (ISO 3166 alpha-2)",
    ),
    "rule.nationality.fail": (
        "{code} bukan kode negara ISO 3166 alpha-2 (mis. IN, CN, JP, KR)",
        "{code} is not an ISO 3166 alpha-2 country code (e.g. IN, CN, JP, KR)",
    ),
    # auditops: TKA supervision and the funnel to work (web/report_pages.py), placement cases
    "casekind.placement": ("Penempatan kerja", "Job placement"),
    "reports.more_in_csv": (
        "Tabel menampilkan {shown} dari {total} baris; grafik menghitung semuanya, dan CSV "
        "memuat semuanya.",
        "The table shows {shown} of {total} rows; the chart counts them all, and the CSV holds "
        "them all.",
    ),
    "report.placement-funnel": (
        "Corong menuju kerja per UPT, program dan jenis pembebasan",
        "Funnel to work per UPT, programme and release kind",
    ),
    "report.work.handed_over": ("Diserahkan ke penempatan kerja", "Handed to job placement"),
    "report.work.with_certificate": ("Bersertifikat", "Certified"),
    "report.work.consented": ("Setuju dihubungi", "Consented to follow-up"),
    "report.work.placed_within_6_months": (
        "Bekerja dalam 6 bulan",
        "Placed within 6 months",
    ),
    "report.tka-active-permits": (
        "Izin TKA aktif per provinsi dan sektor",
        "Active TKA permits by province and sector",
    ),
    "report.tka-expiring-permits": (
        "Izin TKA yang berakhir dalam 90 hari",
        "TKA permits expiring within 90 days",
    ),
    "report.tka-overdue-annual-reports": (
        "Laporan tahunan TKA yang terlambat",
        "Overdue TKA annual reports",
    ),
    "report.expiring.days": ("{low}-{high} hari lagi", "{low}-{high} days left"),
    "report.expiring.extension": (
        "Perpanjangan sedang diproses",
        "Extension under review",
    ),
    "report.expiring.no_extension": (
        "Tanpa perpanjangan diproses",
        "No extension under review",
    ),
    "report.overdue.escalated": ("Dieskalasi ke Kemnaker", "Escalated to Kemnaker"),
    "report.overdue.not_escalated": ("Belum dieskalasi", "Not yet escalated"),
    "sector.-": ("Tidak tercatat", "Not recorded"),
    "sector.A": ("Pertanian, kehutanan dan perikanan", "Agriculture, forestry and fishing"),
    "sector.B": ("Pertambangan dan penggalian", "Mining and quarrying"),
    "sector.C": ("Industri pengolahan", "Manufacturing"),
    "sector.D": (
        "Pengadaan listrik, gas, uap/air panas dan udara dingin",
        "Electricity, gas, steam and air conditioning supply",
    ),
    "sector.E": (
        "Pengadaan air, pengelolaan sampah dan daur ulang",
        "Water supply, sewerage and waste management",
    ),
    "sector.F": ("Konstruksi", "Construction"),
    "sector.G": (
        "Perdagangan besar dan eceran; reparasi mobil dan sepeda motor",
        "Wholesale and retail trade; repair of motor vehicles",
    ),
    "sector.H": ("Pengangkutan dan pergudangan", "Transportation and storage"),
    "sector.I": (
        "Penyediaan akomodasi dan makan minum",
        "Accommodation and food service activities",
    ),
    "sector.J": ("Informasi dan komunikasi", "Information and communication"),
    "sector.K": ("Aktivitas keuangan dan asuransi", "Financial and insurance activities"),
    "sector.L": ("Real estat", "Real estate activities"),
    "sector.M": (
        "Aktivitas profesional, ilmiah dan teknis",
        "Professional, scientific and technical activities",
    ),
    "sector.N": (
        "Aktivitas penyewaan, ketenagakerjaan, agen perjalanan dan penunjang usaha",
        "Administrative and support service activities",
    ),
    "sector.O": (
        "Administrasi pemerintahan, pertahanan dan jaminan sosial wajib",
        "Public administration and defence; compulsory social security",
    ),
    "sector.P": ("Pendidikan", "Education"),
    "sector.Q": (
        "Aktivitas kesehatan manusia dan aktivitas sosial",
        "Human health and social work activities",
    ),
    "sector.R": ("Kesenian, hiburan dan rekreasi", "Arts, entertainment and recreation"),
    "sector.S": ("Aktivitas jasa lainnya", "Other service activities"),
    "sector.T": (
        "Aktivitas rumah tangga sebagai pemberi kerja",
        "Activities of households as employers",
    ),
    "sector.U": (
        "Aktivitas badan internasional dan badan ekstra internasional lainnya",
        "Activities of extraterritorial organizations and bodies",
    ),
    # ---- branch workspace: handovers, escalations, enrol check-your-answers, custody
    "nav.handovers": ("Serah terima", "Handovers"),
    "handovers.title": ("Serah terima", "Handovers"),
    "handovers.lead": (
        "Paket serah terima warga binaan yang dibebaskan, menunggu konfirmasi penerimaan Anda.",
        "Handover packages of released inmates, awaiting your acknowledgement of receipt.",
    ),
    "handovers.awaiting": ("Menunggu konfirmasi", "Awaiting acknowledgement"),
    "handovers.none": (
        "Tidak ada serah terima yang menunggu konfirmasi.",
        "No handover awaits acknowledgement.",
    ),
    "handovers.recent": ("Baru dikonfirmasi", "Recently acknowledged"),
    "handovers.receiver": ("Penerima", "Receiver"),
    "handovers.sent": ("Dikirim", "Sent"),
    "handovers.to.bapas": ("Bapas", "Bapas"),
    "handovers.to.job_placement": ("Penempatan kerja (Kemnaker)", "Job placement (Kemnaker)"),
    "handovers.state.open": ("Menunggu konfirmasi", "Awaiting acknowledgement"),
    "handovers.state.overdue": ("Terlambat", "Overdue"),
    "handovers.state.acknowledged": ("Sudah dikonfirmasi", "Acknowledged"),
    "handover.title": ("Serah terima", "Handover"),
    "handover.done": ("Penerimaan telah dikonfirmasi.", "Receipt has been acknowledged."),
    "handover.package": ("Paket serah terima", "Handover package"),
    "handover.last_upt": ("UPT terakhir", "Last UPT"),
    "handover.certified": ("Program bersertifikat", "Certified programmes"),
    "handover.units": ("Unit kompeten", "Competent units"),
    "handover.unfinished": ("Program belum selesai", "Unfinished programmes"),
    "handover.certificates": ("Sertifikat kompetensi (BNSP)", "Competency certificates (BNSP)"),
    "handover.no_certificates": ("Tidak ada sertifikat.", "No certificate."),
    "handover.records": ("Catatan pelatihan", "Training records"),
    "handover.outcome": ("Hasil", "Outcome"),
    "handover.attendance": ("Kehadiran", "Attendance"),
    "handover.referral": ("Rujukan", "Referral"),
    "handover.acknowledge": ("Konfirmasi penerimaan", "Acknowledge receipt"),
    "handover.reason_hint": (
        "Misalnya: terdaftar sebagai Klien pada tanggal ini.",
        "For example: registered as Klien today.",
    ),
    "handover.consent": (
        "Apakah yang bersangkutan setuju dihubungi untuk penempatan kerja?",
        "Did the released person agree to be contacted for job placement?",
    ),
    "handover.consent_hint": (
        "Tanyakan kepadanya; tanpa persetujuan tidak ada tindak lanjut.",
        "Ask them; without consent there is no follow-up.",
    ),
    "handover.consent_yes": ("Ya, setuju dihubungi", "Yes, agreed to be contacted"),
    "handover.consent_no": ("Tidak setuju", "No"),
    "nav.escalations": ("Eskalasi", "Escalations"),
    "escalations.title": ("Eskalasi", "Escalations"),
    "escalations.lead": (
        "Tugas di lingkup Anda yang dieskalasi atau melewati batas waktu.",
        "Tasks in your scope that were escalated or are past their due date.",
    ),
    "escalations.none": (
        "Tidak ada tugas yang dieskalasi atau terlambat.",
        "No task is escalated or overdue.",
    ),
    "escalations.escalated": ("Dieskalasi", "Escalated"),
    "escalations.nobody": (
        "Tidak ada petugas lain yang dapat mengambil tugas ini.",
        "Nobody else can take this task.",
    ),
    "escalations.reassigned": ("Tugas telah dialihkan.", "The task has been reassigned."),
    "enrol.step_pick": (
        "Pilih warga binaan UPT Anda. Cari dengan awal nomor registrasi SDP.",
        "Choose an inmate of your UPT. Search by the start of the SDP registration number.",
    ),
    "enrol.search_hint": ("Misalnya CPN-2024", "For example CPN-2024"),
    "enrol.inmates": ("Warga binaan UPT Anda", "Inmates of your UPT"),
    "enrol.none_found": (
        "Tidak ada warga binaan UPT Anda dengan nomor berawalan {prefix}.",
        "No inmate of your UPT has a number starting with {prefix}.",
    ),
    "enrol.other_inmate": ("Pilih warga binaan lain", "Choose another inmate"),
    "enrol.release_flagged": (
        "bebas sebelum program selesai: perlu pengecualian TPP",
        "released before the programme ends: needs a TPP exception",
    ),
    "enrol.not_eligible": ("Tidak memenuhi syarat", "Not eligible"),
    "enrol.nothing_offered": (
        "Tidak ada program yang ditawarkan di UPT ini.",
        "No programme is offered at this UPT.",
    ),
    "enrol.reason_hint": ("Mengapa warga binaan ini, sekarang.", "Why this inmate, now."),
    "enrol.continue": ("Lanjutkan", "Continue"),
    "enrol.check_title": ("Periksa jawaban Anda", "Check your answers"),
    "enrol.check_lead": (
        "Dengan mengajukan, pendaftaran dimulai dan Sidang TPP penempatan dibuka.",
        "By sending this request the enrolment starts and the TPP placement review opens.",
    ),
    "enrol.change": ("Ubah", "Change"),
    "journey.moved": (
        "Warga binaan ini kini ditahan di {upt}: perjalanannya diurus petugas UPT tersebut.",
        "This inmate is now held at {upt}: their journey is in the hands of that UPT's staff.",
    ),
    # notify branch: the administrators' people page, the employer's contact, dead letters
    "nav.people": ("Pengguna", "People"),
    "people.title": ("Pengguna", "People"),
    "people.add": ("Tambah pengguna", "Add a person"),
    "people.back": ("Kembali ke daftar pengguna", "Back to the people"),
    "people.correct_title": ("Pengguna {subject}", "Person {subject}"),
    "people.subject": ("ID pengguna (sub)", "User ID (sub)"),
    "people.subject_hint": (
        "Pengenal dari penyedia identitas, bukan NIK atau nama.",
        "The identity provider's identifier, not a NIK or a name.",
    ),
    "people.name": ("Nama", "Name"),
    "people.email": ("Alamat e-mail", "E-mail address"),
    "people.email_hint": (
        "Ke alamat ini notifikasi e-mail dikirim. Kosongkan bila tidak ada.",
        "E-mail notifications go to this address. Leave empty if there is none.",
    ),
    "people.language": ("Bahasa notifikasi", "Language of notifications"),
    "people.roles": ("Peran dan cakupan", "Roles and scope"),
    "people.role": ("Peran", "Role"),
    "people.role_n": ("Peran {n}", "Role {n}"),
    "people.role_new": ("Tambah peran", "Add a role"),
    "people.role_hint": (
        "Isi cakupan yang diperlukan peran ini; kosongkan peran untuk mencabutnya.",
        "Fill in the scope this role needs; empty the role to remove it.",
    ),
    "people.scope.upt": ("UPT", "UPT"),
    "people.scope.lsp": ("LSP", "LSP"),
    "people.scope.bapas": ("Bapas", "Bapas"),
    "people.scope.ministry": ("Kementerian", "Ministry"),
    "people.scope.employer_nib": ("NIB pemberi kerja", "Employer NIB"),
    "people.status": ("Status", "Status"),
    "people.active": ("Aktif", "Active"),
    "people.inactive": ("Nonaktif", "Deactivated"),
    "people.deactivate": ("Nonaktifkan", "Deactivate"),
    "people.reactivate": ("Aktifkan kembali", "Reactivate"),
    "people.saved": ("Perubahan disimpan.", "Changes saved."),
    "people.none": ("Tidak ada pengguna yang cocok.", "No people match."),
    "people.registered_by": ("Terdaftar melalui", "Registered by"),
    "people.via.login": ("Masuk (penyedia identitas)", "Sign-in (identity provider)"),
    "people.via.request": ("Permintaan API", "API request"),
    "people.via.administrator": ("Administrator", "Administrator"),
    "people.last_login": ("Terakhir masuk", "Last sign-in"),
    "nav.contact": ("Kontak perusahaan", "Company contact"),
    "contact.title": ("Kontak e-mail perusahaan", "Company contact e-mail"),
    "contact.intro": (
        "Pengingat tentang permohonan NIB {nib} (perlu perbaikan, pembayaran, laporan tahunan, "
        "perpanjangan, izin berakhir) juga dikirim ke alamat ini.",
        "Reminders about the applications of NIB {nib} (revision requested, payment, annual "
        "report, extension, permit ending) are also sent to this address.",
    ),
    "contact.email": ("Alamat e-mail kontak", "Contact e-mail address"),
    "contact.email_hint": (
        "Misalnya alamat bagian HRD, bukan alamat pribadi seorang TKA.",
        "For instance the HR department's address, not a foreign worker's own.",
    ),
    "contact.none": ("Belum ada alamat kontak.", "No contact address yet."),
    "contact.saved": ("Alamat kontak disimpan.", "Contact address saved."),
    "nav.dead_letters": ("Surat gagal", "Dead letters"),
    "dead.title": ("E-mail yang gagal terkirim", "E-mails that could not be sent"),
    "dead.intro": (
        "Setelah percobaan berulang, e-mail ini berhenti dikirim. Kirim ulang bila masalahnya "
        "sudah diatasi (misalnya server SMTP).",
        "These e-mails stopped being sent after repeated attempts. Send one again once the "
        "problem (the SMTP server, say) is solved.",
    ),
    "dead.col.delivery": ("Pengiriman", "Delivery"),
    "dead.col.notice": ("Jenis", "Kind"),
    "dead.col.attempts": ("Percobaan", "Attempts"),
    "dead.col.error": ("Galat terakhir", "Last error"),
    "dead.col.since": ("Dibuat", "Created"),
    "dead.retry": ("Kirim ulang", "Send again"),
    "dead.none": ("Tidak ada e-mail yang gagal.", "No dead letters."),
    "dead.retried": (
        "E-mail {ref} dijadwalkan untuk dikirim ulang.",
        "E-mail {ref} will be sent again.",
    ),
    # reliability (issue 20): the audit trail in the case's order
    "case.trail": ("Jejak audit menurut urutan kasus", "Audit trail in the case's order"),
    "case.trail_means": (
        "Diurutkan menurut kejadian kasus yang dicatat atau diikuti setiap baris; "
        "'Baris rantai' adalah urutan penambahan ke rantai hash.",
        "Ordered by the case event each row records or follows; 'Chain row' is the order "
        "rows were appended to the hash chain.",
    ),
    "case.trail_event": ("Kejadian", "Event"),
    "case.trail_row": ("Baris rantai", "Chain row"),
    # reliability (issue 20): incidents for operators
    "nav.incidents": ("Insiden", "Incidents"),
    "incidents.title": ("Insiden: kasus yang terhenti", "Incidents: stuck cases"),
    "incidents.what": (
        "Kasus di bawah ini terhenti karena sebuah aktivitas gagal dengan alasan yang tidak "
        "dapat diatasi dengan mencoba ulang (Postgres menolak datanya). Kasus lain tetap "
        "berjalan.",
        "The cases below are stuck: an activity failed for a reason no retry can cure "
        "(Postgres refused its data). Other cases carry on.",
    ),
    "incidents.open_count": ("{count} insiden terbuka", "{count} open incident(s)"),
    "incidents.case": ("Kasus", "Case"),
    "incidents.activity": ("Aktivitas", "Activity"),
    "incidents.error": ("Galat", "Error"),
    "incidents.seen": ("Pertama dan terakhir terlihat", "First and last seen"),
    "incidents.attempts": ("{n} percobaan", "{n} attempt(s)"),
    "incidents.action": ("Tindakan", "Action"),
    "incidents.repair": ("Perbaiki dan lanjutkan", "Repair and resume"),
    "incidents.repair_pending": (
        "Perbaikan diminta oleh {who} pada {at}; menunggu percobaan berikutnya.",
        "Repair asked for by {who} at {at}; waiting for the next attempt.",
    ),
    "incidents.requested": (
        "Perbaikan insiden {id} diminta. Insiden selesai setelah percobaan berikutnya berhasil.",
        "Repair of incident {id} asked for. It is resolved once the next attempt succeeds.",
    ),
    "incidents.none": ("Tidak ada insiden terbuka.", "No open incidents."),
    "incidents.how_title": ("Cara memperbaiki", "How the repair works"),
    "incidents.how": (
        "Perbaiki dan lanjutkan: percobaan berikutnya menjalankan aktivitas dengan teks yang "
        "ditolak Postgres diperbaiki (karakter yang ditolak dibuang, dinormalkan); setelah "
        "berhasil, insiden selesai dan kasus berlanjut dari posisinya. Insiden jenis lain "
        "tetap terbuka sampai data atau kode diperbaiki.",
        "Repair and resume: the next attempt runs the activity with the text Postgres refused "
        "repaired (refused characters dropped, normalised); once it succeeds the incident is "
        "resolved and the case goes on from where it stood. Incidents of other kinds stay "
        "open until the data or the code is fixed.",
    ),
    "incidents.cli": (
        "Juga dari baris perintah atau API:",
        "Also from the command line or the API:",
    ),
}

_MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Indonesia's three zones by IANA name; anything else shows its own abbreviation.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def language_of(value: str | None) -> Language:
    try:
        return Language(value) if value else DEFAULT_LANGUAGE
    except ValueError:
        return DEFAULT_LANGUAGE


def translate(language: Language, key: str, **fields: object) -> str:
    """The message in `language`; an unknown key is shown as itself (and fails the test)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[0] if language is Language.ID else pair[1]
    return text.format(**fields) if fields else text


def format_number(value: int, language: Language = DEFAULT_LANGUAGE) -> str:
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if language is Language.ID else grouped


def format_date(value: date | datetime, language: Language, zone: str) -> str:
    """2 Desember 2026 (a datetime is first put in the unit's zone)."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(zone)).date()
    months = _MONTHS_ID if language is Language.ID else _MONTHS_EN
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_time(value: datetime, language: Language, zone: str) -> str:
    """14.30 WIB in Indonesian, 14:30 WIB in English."""
    local = value.astimezone(ZoneInfo(zone))
    separator = "." if language is Language.ID else ":"
    name = ZONE_NAMES.get(zone) or local.tzname() or zone
    return f"{local.hour:02d}{separator}{local.minute:02d} {name}"


def format_datetime(value: datetime, language: Language, zone: str) -> str:
    return f"{format_date(value, language, zone)}, {format_time(value, language, zone)}"
