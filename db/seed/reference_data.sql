-- Reference data for the embedded default: a handful of real UPTs and SKKNI-style schemes.
-- Idempotent: names and schemes are upserted; an offering keeps the dates it was first given.

INSERT INTO upts (code, name, kind, city) VALUES
    ('LP-CIPINANG',   'Lapas Kelas I Cipinang',         'lapas', 'Jakarta Timur'),
    ('LP-SALEMBA',    'Lapas Kelas IIA Salemba',        'lapas', 'Jakarta Pusat'),
    ('LP-TANGERANG',  'Lapas Kelas I Tangerang',        'lapas', 'Tangerang'),
    ('LP-SUKAMISKIN', 'Lapas Kelas I Sukamiskin',       'lapas', 'Bandung'),
    ('RT-JAKPUS',     'Rutan Kelas I Jakarta Pusat',    'rutan', 'Jakarta Pusat'),
    ('BP-JAKBAR',     'Bapas Kelas I Jakarta Barat',    'bapas', 'Jakarta Barat')
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, city = EXCLUDED.city;

INSERT INTO lsps (code, name) VALUES
    ('LSP-PARIWISATA', 'LSP Pariwisata dan Kuliner'),
    ('LSP-LOGAM',      'LSP Logam dan Mesin'),
    ('LSP-GARMEN',     'LSP Garmen Apparel'),
    ('LSP-TIK',        'LSP Teknologi Informasi dan Komunikasi'),
    ('LSP-AGRI',       'LSP Pertanian Modern')
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name;

-- min_education: 0 none, 1 SD, 2 SMP, 3 SMA/SMK, 4 D3, 5 S1.
INSERT INTO programmes (code, name, scheme_code, min_education, session_count, modules) VALUES
    ('BARISTA',   'Barista',                       'SKM-BARISTA-2024',  2, 20,
        ARRAY['BAR-M1-HYGIENE', 'BAR-M2-ESPRESSO', 'BAR-M3-MANUAL-BREW', 'BAR-M4-SERVICE']),
    ('WELDING',   'Pengelasan SMAW',               'SKM-LAS-SMAW-3G',   2, 30,
        ARRAY['LAS-M1-K3', 'LAS-M2-SMAW-1G', 'LAS-M3-SMAW-2G', 'LAS-M4-SMAW-3G']),
    ('GARMENT',   'Menjahit Pakaian',              'SKM-GARMEN-JAHIT',  1, 24,
        ARRAY['GAR-M1-POLA', 'GAR-M2-POTONG', 'GAR-M3-JAHIT', 'GAR-M4-FINISHING']),
    ('CULINARY',  'Juru Masak (Cook)',             'SKM-KULINER-COOK',  1, 24,
        ARRAY['KUL-M1-HYGIENE', 'KUL-M2-PERSIAPAN', 'KUL-M3-OLAHAN', 'KUL-M4-PENYAJIAN']),
    ('COMPTECH',  'Teknisi Komputer',              'SKM-TIK-TEKNISI',   3, 32,
        ARRAY['TIK-M1-K3', 'TIK-M2-PERAKITAN', 'TIK-M3-INSTALASI', 'TIK-M4-JARINGAN', 'TIK-M5-TROUBLESHOOT']),
    ('HYDROPONIC','Budidaya Tanaman Hidroponik',   'SKM-AGRI-HIDRO',    1, 16,
        ARRAY['HID-M1-SISTEM', 'HID-M2-NUTRISI', 'HID-M3-PANEN'])
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, scheme_code = EXCLUDED.scheme_code,
    min_education = EXCLUDED.min_education, session_count = EXCLUDED.session_count,
    modules = EXCLUDED.modules;

INSERT INTO competency_units (programme_code, code, title, position) VALUES
    ('BARISTA', 'I.56BAR00.001.1', 'Menerapkan higiene dan sanitasi', 1),
    ('BARISTA', 'I.56BAR00.002.1', 'Menyiapkan dan menyajikan espresso', 2),
    ('BARISTA', 'I.56BAR00.003.1', 'Menyiapkan kopi seduh manual', 3),
    ('BARISTA', 'I.56BAR00.004.1', 'Memberikan pelayanan kepada pelanggan', 4),
    ('WELDING', 'C.25LAS00.001.1', 'Menerapkan K3 pengelasan', 1),
    ('WELDING', 'C.25LAS00.012.1', 'Mengelas pelat posisi bawah tangan (1G) dengan SMAW', 2),
    ('WELDING', 'C.25LAS00.013.1', 'Mengelas pelat posisi vertikal (3G) dengan SMAW', 3),
    ('GARMENT', 'C.14GAR00.001.1', 'Membuat pola dasar busana', 1),
    ('GARMENT', 'C.14GAR00.005.1', 'Memotong bahan', 2),
    ('GARMENT', 'C.14GAR00.010.1', 'Menjahit pakaian dengan mesin', 3),
    ('CULINARY', 'I.56KUL00.001.1', 'Menerapkan keamanan pangan', 1),
    ('CULINARY', 'I.56KUL00.004.1', 'Mengolah makanan dari bahan pokok', 2),
    ('CULINARY', 'I.56KUL00.009.1', 'Menyajikan hidangan', 3),
    ('COMPTECH', 'J.62TIK00.001.1', 'Merakit personal computer', 1),
    ('COMPTECH', 'J.62TIK00.004.1', 'Menginstal sistem operasi dan aplikasi', 2),
    ('COMPTECH', 'J.62TIK00.008.1', 'Memasang jaringan lokal (LAN)', 3),
    ('COMPTECH', 'J.62TIK00.011.1', 'Mendiagnosis dan memperbaiki PC', 4),
    ('HYDROPONIC', 'A.01HID00.001.1', 'Menyiapkan sistem hidroponik', 1),
    ('HYDROPONIC', 'A.01HID00.002.1', 'Mengelola larutan nutrisi', 2),
    ('HYDROPONIC', 'A.01HID00.003.1', 'Memanen dan menangani hasil', 3)
ON CONFLICT (programme_code, code) DO UPDATE SET title = EXCLUDED.title, position = EXCLUDED.position;

-- Cohorts started 45 days before first seeding (attendance is dated on or after the start and
-- never in the future: a session of every programme fits before the seeding day); the dates
-- then stay put.
INSERT INTO offerings (upt_code, programme_code, lsp_code, planned_start, planned_end) VALUES
    ('LP-CIPINANG',   'BARISTA',    'LSP-PARIWISATA', current_date - 45, current_date + 97),
    ('LP-CIPINANG',   'WELDING',    'LSP-LOGAM',      current_date - 45, current_date + 127),
    ('LP-CIPINANG',   'COMPTECH',   'LSP-TIK',        current_date - 45, current_date + 127),
    ('LP-SALEMBA',    'BARISTA',    'LSP-PARIWISATA', current_date - 45, current_date + 97),
    ('LP-SALEMBA',    'CULINARY',   'LSP-PARIWISATA', current_date - 45, current_date + 97),
    ('LP-TANGERANG',  'GARMENT',    'LSP-GARMEN',     current_date - 45, current_date + 97),
    ('LP-TANGERANG',  'HYDROPONIC', 'LSP-AGRI',       current_date - 45, current_date + 67),
    ('LP-SUKAMISKIN', 'COMPTECH',   'LSP-TIK',        current_date - 45, current_date + 127),
    ('RT-JAKPUS',     'CULINARY',   'LSP-PARIWISATA', current_date - 45, current_date + 97)
ON CONFLICT (upt_code, programme_code) DO NOTHING;
