--
-- mutation fuzzing of vector text input
--
-- Valid literals are mutated by inserting, deleting and replacing pieces
-- drawn from a set of troublesome strings.  Every mutant must either parse,
-- and then print as text that parses back to the same vector and prints
-- the same again, or fail with one of the input SQLSTATEs and a message
-- that names the vector type.  Anything else (another error, a round trip
-- that changes the value) raises an exception, so a pass shows only the
-- deterministic summary below.  setseed() makes the mutants the same on
-- every run.
--

CREATE TEMP TABLE vector_fuzz_outcome (outcome text);

SELECT setseed(0.5);

DO $$
DECLARE
	seeds text[] := ARRAY[
		'[1,2,3]',
		'[ -1.5e-3 , +2 ]',
		'[0]',
		'[3.4028235e+38,-1.1754944e-38]',
		'[1e-45,0.1,123456789]',
		'[.5,5.,-0]',
		E'\t[\n7 ,8\r]\n',
		'[0.33333334,16777216,-2.5E+10,1e-7]'];
	pieces text[] := ARRAY[
		'0', '1', '5', '9', '[', ']', ',', '.', 'e', 'E', '-', '+', ' ',
		E'\t', E'\n', 'n', 'i', 'a', 'f', 'x', 'p', '(', ')', '"', '''',
		E'\\', 'NaN', 'inf', 'Infinity', 'nan(1)', '0x1p3', '1e39',
		'-1e39', '1e-50', '1e400', 'e-', '.e', '1.', '.1', ',,', '[]',
		repeat('9', 50), repeat('0', 60), '0.' || repeat('0', 50) || '1',
		repeat('1,', 20)];
	input text;
	parsed vector;
	again vector;
	pos int;
	piece text;
	sqlstate_text text;
	message text;
BEGIN
	FOR i IN 1..4000 LOOP
		input := seeds[1 + floor(random() * array_length(seeds, 1))::int];

		FOR m IN 0..floor(random() * 3)::int LOOP
			pos := floor(random() * (length(input) + 1))::int;
			piece := pieces[1 + floor(random() * array_length(pieces, 1))::int];
			CASE floor(random() * 3)::int
				WHEN 0 THEN		-- insert
					input := substr(input, 1, pos) || piece || substr(input, pos + 1);
				WHEN 1 THEN		-- delete one character
					input := substr(input, 1, pos) || substr(input, pos + 2);
				ELSE			-- replace one character
					input := substr(input, 1, pos) || piece || substr(input, pos + 2);
			END CASE;
		END LOOP;

		parsed := NULL;
		BEGIN
			parsed := input::vector;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS sqlstate_text = RETURNED_SQLSTATE,
									message = MESSAGE_TEXT;
			IF sqlstate_text NOT IN ('22P02', '22000', '22003', '54000')
				OR message NOT LIKE '%vector%' THEN
				RAISE EXCEPTION 'input % failed with unexpected error % "%"',
					quote_literal(input), sqlstate_text, message;
			END IF;
			INSERT INTO vector_fuzz_outcome VALUES (sqlstate_text);
		END;

		IF parsed IS NOT NULL THEN
			again := parsed::text::vector;
			IF again <> parsed OR again::text <> parsed::text
				OR vector_send(again) <> vector_send(parsed) THEN
				RAISE EXCEPTION 'input % does not round-trip: % then %',
					quote_literal(input), parsed, again;
			END IF;
			INSERT INTO vector_fuzz_outcome VALUES ('parsed');
		END IF;
	END LOOP;
END
$$;

SELECT outcome, count(*) FROM vector_fuzz_outcome GROUP BY outcome ORDER BY outcome;

-- Random float4 values of every magnitude, denormals included: the vector
-- output of each element is the same shortest text real prints, and reads
-- back as the same float4.
SELECT setseed(0.25);
SET extra_float_digits = 1;

SELECT count(*) AS values,
       count(*) FILTER (WHERE r::text ~ 'e-(3[89]|4)') AS tiny,
       count(*) FILTER (WHERE ('[' || r::text || ']')::vector::text = '[' || r::text || ']') AS same_text,
       count(*) FILTER (WHERE ('[' || r::text || ']')::vector::real[] = ARRAY[r]) AS same_value
FROM (SELECT ((CASE WHEN random() < 0.5 THEN -1 ELSE 1 END)
              * (1 + random()) * 2 ^ (floor(random() * 276) - 149))::real AS r
      FROM generate_series(1, 5000)) AS t;

RESET extra_float_digits;

DROP TABLE vector_fuzz_outcome;
