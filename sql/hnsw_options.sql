-- Index options, the ef_search setting and their errors
CREATE TABLE opt (id int, v vector(3));
INSERT INTO opt VALUES (1, '[1,2,3]'), (2, '[4,5,6]');

-- defaults and explicit values
CREATE INDEX opt_default ON opt USING hnsw (v);
CREATE INDEX opt_explicit ON opt USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'opt_%' ORDER BY relname;
DROP INDEX opt_default, opt_explicit;

-- limits
CREATE INDEX ON opt USING hnsw (v) WITH (m = 1);
CREATE INDEX ON opt USING hnsw (v) WITH (m = 101);
CREATE INDEX ON opt USING hnsw (v) WITH (ef_construction = 3);
CREATE INDEX ON opt USING hnsw (v) WITH (ef_construction = 1001);
CREATE INDEX ON opt USING hnsw (v) WITH (m = 16, ef_construction = 31);
CREATE INDEX ON opt USING hnsw (v) WITH (m = 2, ef_construction = 4);
CREATE INDEX ON opt USING hnsw (v) WITH (unknown = 1);

-- a column without dimensions cannot be indexed
CREATE TABLE nodim (v vector);
CREATE INDEX ON nodim USING hnsw (v);
DROP TABLE nodim;

-- plain (non-ordering) uses of the access method are refused
CREATE INDEX ON opt USING hnsw (id);

-- hnsw.ef_search
SHOW hnsw.ef_search;
SET hnsw.ef_search = 100;
SHOW hnsw.ef_search;
SET hnsw.ef_search = 0;
SET hnsw.ef_search = 1001;
BEGIN;
SET LOCAL hnsw.ef_search = 7;
SHOW hnsw.ef_search;
COMMIT;
SHOW hnsw.ef_search;
RESET hnsw.ef_search;
SHOW hnsw.ef_search;
SET hnsw.no_such_setting = 1;

-- opclass validation passes for every operator class
SELECT opcname, amvalidate(oid) FROM pg_opclass
WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hnsw') ORDER BY opcname;

DROP TABLE opt;
