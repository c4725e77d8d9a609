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
