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
    "case.timeline": ("Riwayat", "Timeline"),
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
    "case.when": ("Kapan", "When"),
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
