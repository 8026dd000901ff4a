--
-- casts between sparsevec and vector, and the length coercion
--

-- vector to sparsevec keeps the non-zero elements, -0 included as zero
SELECT '[1,0,-2.5,0,-0,3]'::vector::sparsevec;
SELECT '[0,0,0]'::vector::sparsevec;
SELECT '[3.4028235e+38,1e-45]'::vector::sparsevec;

-- sparsevec to vector fills in the zeros
SELECT '{1:1,3:-2.5,6:3}/6'::sparsevec::vector;
SELECT '{}/3'::sparsevec::vector;
SELECT '{16000:1}/16000'::sparsevec::vector = ('[' || repeat('0,', 15999) || '1]')::vector AS same;

-- round trips are exact
SELECT v::sparsevec::vector = v AS same
FROM (VALUES ('[0.1,0,0.33333334,-16777217,0]'::vector), ('[0]'), ('[1e-45]')) AS t(v);
SELECT s::vector::sparsevec = s AS same, s::vector::sparsevec::text = s::text AS same_text
FROM (VALUES ('{2:0.1,5:-3.4028235e+38}/5'::sparsevec), ('{}/1')) AS t(s);

-- the largest vector
SELECT v::sparsevec::vector = v AS same, l2_norm(v::sparsevec)
FROM (SELECT array_fill(2, ARRAY[16000])::real[]::vector AS v) AS t;

-- a sparse vector with more dimensions than a vector can hold
SELECT '{1:1}/16001'::sparsevec::vector;

-- type modifiers of the targets
SELECT '[1,0,2]'::vector::sparsevec(3);
SELECT '[1,0,2]'::vector::sparsevec(4);
SELECT '{1:1,3:2}/3'::sparsevec::vector(3);
SELECT '{1:1,3:2}/3'::sparsevec::vector(2);
SELECT '{1:1,3:2}/3'::sparsevec::sparsevec(3);
SELECT '{1:1,3:2}/3'::sparsevec::sparsevec(2);

-- vector to sparsevec applies implicitly, sparsevec to vector on assignment
CREATE TABLE sparsevec_casts_s (s sparsevec(3));
INSERT INTO sparsevec_casts_s VALUES ('[1,0,2]'::vector);
INSERT INTO sparsevec_casts_s VALUES ('[1,2]'::vector);
CREATE TABLE sparsevec_casts_v (v vector(3));
INSERT INTO sparsevec_casts_v VALUES ('{2:5}/3'::sparsevec);
INSERT INTO sparsevec_casts_v VALUES ('{2:5}/4'::sparsevec);
INSERT INTO sparsevec_casts_v SELECT s FROM sparsevec_casts_s;
SELECT * FROM sparsevec_casts_s;
SELECT * FROM sparsevec_casts_v ORDER BY v;
-- in an expression: the sparsevec operator, with the vector cast to it
SELECT v <-> '{1:4,2:5}/3'::sparsevec FROM sparsevec_casts_v ORDER BY v;
-- but not the other way round
SELECT vector_dims('{1:1}/3'::sparsevec);
DROP TABLE sparsevec_casts_s, sparsevec_casts_v;

-- the cast functions, called directly
SELECT vector_to_sparsevec('[0,7]', -1, false), sparsevec_to_vector('{2:7}/2', -1, false);
SELECT sparsevec('{2:7}/2', 2, false);
SELECT sparsevec('{2:7}/2', 3, false);

-- NULL in, NULL out
SELECT NULL::vector::sparsevec, NULL::sparsevec::vector;

-- halfvec <-> sparsevec: zeros dropped one way, put back the other; halves
-- convert exactly, floats round to the nearest half
SELECT '[0,1.5,0,-2,0.099975586]'::halfvec::sparsevec;
SELECT '{2:1.5,4:-2,5:0.1}/5'::sparsevec::halfvec;
SELECT '[0,0,0]'::halfvec::sparsevec, '{}/3'::sparsevec::halfvec;
SELECT '[1,2,3]'::halfvec::sparsevec(3), '{1:1}/3'::sparsevec::halfvec(3);
SELECT '[1,2,3]'::halfvec::sparsevec(2);
SELECT '{1:1}/3'::sparsevec::halfvec(2);
-- out of range for a half, and more dimensions than a halfvec may have
SELECT '{1:70000}/3'::sparsevec::halfvec;
SELECT '{1:1}/16001'::sparsevec::halfvec;
-- on assignment: halfvec into a sparsevec column implicitly, sparsevec into
-- a halfvec column by assignment
CREATE TABLE sparsevec_casts_h (h halfvec(3), s sparsevec(3));
INSERT INTO sparsevec_casts_h VALUES ('{2:2.5}/3'::sparsevec, '[0,0,4]'::halfvec);
SELECT * FROM sparsevec_casts_h;
SELECT s <-> '[1,0,4]'::halfvec AS mixed_distance FROM sparsevec_casts_h;
DROP TABLE sparsevec_casts_h;
SELECT halfvec_to_sparsevec('[0,7]', -1, false), sparsevec_to_halfvec('{2:7}/2', -1, false);
SELECT NULL::halfvec::sparsevec, NULL::sparsevec::halfvec;
