-- Reference data: corrections units, certification bodies, programmes and where they run.
CREATE TABLE upts (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('lapas', 'rutan', 'rutan_branch', 'bapas')),
    city        text NOT NULL
);

CREATE TABLE lsps (
    code        text PRIMARY KEY,
    name        text NOT NULL
);

CREATE TABLE programmes (
    code           text PRIMARY KEY,
    name           text NOT NULL,
    scheme_code    text NOT NULL,
    min_education  smallint NOT NULL CHECK (min_education BETWEEN 0 AND 7),
    session_count  integer NOT NULL CHECK (session_count > 0),
    modules        text[] NOT NULL CHECK (cardinality(modules) > 0)
);

CREATE TABLE competency_units (
    programme_code  text NOT NULL REFERENCES programmes (code),
    code            text NOT NULL,
    title           text NOT NULL,
    position        integer NOT NULL,
    PRIMARY KEY (programme_code, code)
);

CREATE TABLE offerings (
    upt_code        text NOT NULL REFERENCES upts (code),
    programme_code  text NOT NULL REFERENCES programmes (code),
    lsp_code        text NOT NULL REFERENCES lsps (code),
    planned_start   date NOT NULL,
    planned_end     date NOT NULL CHECK (planned_end >= planned_start),
    PRIMARY KEY (upt_code, programme_code)
);
