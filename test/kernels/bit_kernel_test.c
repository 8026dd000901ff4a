/*-------------------------------------------------------------------------
 *
 * bit_kernel_test.c
 *	  Check the bit-string kernels BitDistanceInit() chooses against the
 *	  portable ones, and those against a bit-by-bit count.
 *
 * BitDistanceInit() points the Hamming and Jaccard kernels at the fastest
 * code the CPU supports, capped by the environment variable
 * HNSWEXT_BIT_KERNEL (scalar, popcnt, avx512).  This program calls it,
 * checks that it chose what the environment and the CPU call for, and then
 * compares, for every length from 0 to MAX_BITS bits and for a few long
 * ones (up to 64,000 bits, the longest bit string pgvector indexes), on a
 * series of patterns: the chosen kernels with the portable ones, and the
 * portable ones with a count that looks at one bit at a time.  The counts
 * are integers: every kernel must return exactly the same numbers.
 *
 * The pad bits of a partial last byte are filled with random garbage: the
 * kernels must ignore them.  Each string ends right before an inaccessible
 * page, so a kernel that reads past its last byte crashes the program, and
 * its start moves with its length, so the kernels see every alignment.
 *
 * Usage: HNSWEXT_BIT_KERNEL=scalar|popcnt|avx512 bit_kernel_test (or unset:
 * the fastest the CPU has).  Exit status 0: every comparison passed; 1: a
 * mismatch or a wrong kernel choice (described on stderr); 77: the CPU
 * lacks the requested instructions, nothing was tested; 2: usage or set-up
 * error.
 *
 * Built and run by test/t/022_bit_kernels.pl; it links only
 * src/bit_distance.c, which needs nothing from the backend:
 *	gcc -O2 -I`pg_config --includedir-server` -Isrc \
 *		test/kernels/bit_kernel_test.c src/bit_distance.c
 *
 * test/kernels/bit_kernel_test.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bit_distance.h"

/*
 * port.h sends these to libpgport's implementations, which this program
 * does not link; use the C library's.
 */
#undef printf
#undef fprintf
#undef snprintf
#undef vfprintf

#define MAX_BITS		2000	/* every length from 0 to this */
#define LONGEST_BITS	64000
#define TRIALS			3		/* random inputs per pattern and length */
#define MAX_REPORTS		20		/* mismatches described before going quiet */

#define EXIT_MISMATCH	1
#define EXIT_ERROR		2
#define EXIT_SKIP		77

/* Lengths tested beyond MAX_BITS: block and word boundaries, the longest */
static const int long_lengths[] = {
	4095, 4096, 4097, 4159, 4160, 8191, 8193, 32768, 63935, 63999,
	LONGEST_BITS
};

/* Fills the nbytes bytes of a and b for one trial of a pattern */
typedef void (*PatternFill) (int nbytes, unsigned char *a, unsigned char *b);

typedef struct Pattern
{
	const char *name;
	PatternFill fill;
} Pattern;

static const char *kernel_name;
static long mismatches;
static long comparisons;

/* What is being computed, for the crash message */
static const char *volatile current_pattern = "(none)";
static volatile int current_nbits;

/* ------------------------------------------------------------------------
 * Random numbers: splitmix64, fixed seed, so every run sees the same data.
 * ------------------------------------------------------------------------
 */
static uint64_t rng_state = UINT64_C(0x6A09E667F3BCC908);

static uint64_t
rand64(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static unsigned char
rand_byte(void)
{
	return (unsigned char) (rand64() >> 56);
}

/* A byte whose bits are each set with probability 1/16 */
static unsigned char
rand_sparse_byte(void)
{
	unsigned char byte = 0;

	for (int bit = 0; bit < 8; bit++)
		if ((rand64() & 15) == 0)
			byte |= (unsigned char) (1 << bit);
	return byte;
}

/* ------------------------------------------------------------------------
 * Input patterns
 * ------------------------------------------------------------------------
 */
static void
fill_random(int nbytes, unsigned char *a, unsigned char *b)
{
	for (int i = 0; i < nbytes; i++)
	{
		a[i] = rand_byte();
		b[i] = rand_byte();
	}
}

/* Few set bits: many words of a and b share none (Jaccard's "1" case) */
static void
fill_sparse(int nbytes, unsigned char *a, unsigned char *b)
{
	for (int i = 0; i < nbytes; i++)
	{
		a[i] = rand_sparse_byte();
		b[i] = rand_sparse_byte();
	}
}

static void
fill_zeros(int nbytes, unsigned char *a, unsigned char *b)
{
	memset(a, 0, nbytes);
	memset(b, 0, nbytes);
}

static void
fill_ones(int nbytes, unsigned char *a, unsigned char *b)
{
	memset(a, 0xFF, nbytes);
	memset(b, 0xFF, nbytes);
}

static void
fill_zeros_vs_ones(int nbytes, unsigned char *a, unsigned char *b)
{
	memset(a, 0, nbytes);
	memset(b, 0xFF, nbytes);
}

/* b = a: Hamming 0, Jaccard 0 unless all zero */
static void
fill_identical(int nbytes, unsigned char *a, unsigned char *b)
{
	for (int i = 0; i < nbytes; i++)
		a[i] = b[i] = rand_byte();
}

/* b = not a: every bit differs, none is common */
static void
fill_complement(int nbytes, unsigned char *a, unsigned char *b)
{
	for (int i = 0; i < nbytes; i++)
	{
		a[i] = rand_byte();
		b[i] = (unsigned char) ~a[i];
	}
}

/* One random bit set in each: single-bit tails and words */
static void
fill_single_bits(int nbytes, unsigned char *a, unsigned char *b)
{
	memset(a, 0, nbytes);
	memset(b, 0, nbytes);
	if (nbytes == 0)
		return;
	a[rand64() % nbytes] |= (unsigned char) (1 << (rand64() % 8));
	b[rand64() % nbytes] |= (unsigned char) (1 << (rand64() % 8));
}

static const Pattern patterns[] = {
	{"random", fill_random},
	{"sparse", fill_sparse},
	{"zeros", fill_zeros},
	{"ones", fill_ones},
	{"zeros vs ones", fill_zeros_vs_ones},
	{"identical", fill_identical},
	{"complement", fill_complement},
	{"single bits", fill_single_bits},
};

#define NPATTERNS	((int) (sizeof(patterns) / sizeof(patterns[0])))

/* ------------------------------------------------------------------------
 * Checking
 * ------------------------------------------------------------------------
 */

/* Bit i of a string: the first bit is the high bit of the first byte */
static inline int
get_bit(const unsigned char *s, int i)
{
	return (s[i / 8] >> (7 - i % 8)) & 1;
}

/* The counts, one bit at a time: the definition the kernels must meet */
static void
reference_counts(int nbits, const unsigned char *a, const unsigned char *b,
				 uint64 *differ, uint64 *common, uint64 *either)
{
	*differ = *common = *either = 0;
	for (int i = 0; i < nbits; i++)
	{
		int			x = get_bit(a, i);
		int			y = get_bit(b, i);

		*differ += x ^ y;
		*common += x & y;
		*either += x | y;
	}
}

static void
report(const Pattern *p, int nbits, int trial, const char *what,
	   uint64 expected, uint64 got)
{
	mismatches++;
	if (mismatches > MAX_REPORTS)
		return;
	fprintf(stderr,
			"MISMATCH kernel %s, pattern \"%s\", %d bits, trial %d: %s: "
			"expected " UINT64_FORMAT ", got " UINT64_FORMAT "\n",
			kernel_name, p->name, nbits, trial, what, expected, got);
}

/* Compare one count, counting the comparison */
static void
check_count(const Pattern *p, int nbits, int trial, const char *what,
			uint64 expected, uint64 got)
{
	comparisons++;
	if (got != expected)
		report(p, nbits, trial, what, expected, got);
}

/*
 * Fill, garble the pad bits, and compare every kernel result for one input
 * of nbits bits.
 */
static void
check_input(const Pattern *p, int nbits, int trial, unsigned char *a,
			unsigned char *b)
{
	int			nbytes = (nbits + 7) / 8;
	uint64		differ;
	uint64		common;
	uint64		either;
	uint64		s_common;
	uint64		s_either;
	uint64		k_common;
	uint64		k_either;
	float		expect_h;
	float		expect_j;

	current_pattern = p->name;
	current_nbits = nbits;
	p->fill(nbytes, a, b);
	if (nbits % 8 != 0)
	{
		/* garbage in the pad bits, which no kernel may count */
		unsigned char pad = (unsigned char) (0xFF >> (nbits % 8));

		a[nbytes - 1] = (a[nbytes - 1] & ~pad) | (rand_byte() & pad);
		b[nbytes - 1] = (b[nbytes - 1] & ~pad) | (rand_byte() & pad);
	}
	reference_counts(nbits, a, b, &differ, &common, &either);

	check_count(p, nbits, trial, "portable Hamming vs bit-by-bit", differ,
				BitHammingScalar(nbits, a, b));
	check_count(p, nbits, trial, "chosen Hamming vs bit-by-bit", differ,
				BitHammingKernel(nbits, a, b));

	BitJaccardScalar(nbits, a, b, &s_common, &s_either);
	BitJaccardKernel(nbits, a, b, &k_common, &k_either);
	check_count(p, nbits, trial, "portable Jaccard common vs bit-by-bit",
				common, s_common);
	check_count(p, nbits, trial, "portable Jaccard either vs bit-by-bit",
				either, s_either);
	check_count(p, nbits, trial, "chosen Jaccard common vs bit-by-bit",
				common, k_common);
	check_count(p, nbits, trial, "chosen Jaccard either vs bit-by-bit",
				either, k_either);

	/* the index-shaped wrappers go through the chosen kernels */
	expect_h = (float) differ;
	expect_j = (float) BitJaccardFromCounts(common, either);
	comparisons += 2;
	if (BitHammingDistance(nbits, a, b) != expect_h)
		report(p, nbits, trial, "BitHammingDistance", differ,
			   (uint64) BitHammingDistance(nbits, a, b));
	if (BitJaccardDistance(nbits, a, b) != expect_j)
		report(p, nbits, trial, "BitJaccardDistance (times 1e6)",
			   (uint64) (expect_j * 1e6),
			   (uint64) (BitJaccardDistance(nbits, a, b) * 1e6));
}

/* write() a string from a signal handler */
static void
write_str(const char *s)
{
	ssize_t		rc = write(STDERR_FILENO, s, strlen(s));

	(void) rc;
}

/*
 * A kernel that reads past the end of a string touches the guard page and
 * gets SIGSEGV: say which computation it was, then die of the signal.
 */
static void
crash_handler(int signo)
{
	char		digits[16];
	int			pos = sizeof(digits) - 1;
	int			n = current_nbits;

	digits[pos] = '\0';
	do
	{
		digits[--pos] = '0' + n % 10;
		n /= 10;
	} while (n > 0 && pos > 0);

	write_str("FAIL: crashed (");
	write_str(signo == SIGSEGV ? "SIGSEGV" : "signal");
	write_str(") on pattern \"");
	write_str(current_pattern);
	write_str("\", ");
	write_str(digits + pos);
	write_str(" bits: a kernel read outside its strings (they end at an "
			  "unreadable page)\n");
	signal(signo, SIG_DFL);
	raise(signo);
}

/*
 * Memory for one string of up to LONGEST_BITS bits, followed by a page that
 * cannot be read.  Returns the address just past the usable part: a string
 * of n bytes starts n bytes before it.
 */
static unsigned char *
guarded_end(void)
{
	long		page = sysconf(_SC_PAGESIZE);
	size_t		usable = ((LONGEST_BITS / 8 + page - 1) / page) * page;
	unsigned char *base;

	base = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
	{
		perror("bit_kernel_test: mmap");
		exit(EXIT_ERROR);
	}
	if (mprotect(base + usable, page, PROT_NONE) != 0)
	{
		perror("bit_kernel_test: mprotect");
		exit(EXIT_ERROR);
	}
	return base + usable;
}

/*
 * The kernels BitDistanceInit() must choose for the requested cap on this
 * CPU, or NULL (with *why set) if the CPU lacks them.
 */
static const char *
expected_kernel(const char *request, const char **why)
{
	bool		have_popcnt = false;
	bool		have_vpopcntdq = false;

#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	have_popcnt = __builtin_cpu_supports("popcnt");
	have_vpopcntdq = have_popcnt && __builtin_cpu_supports("avx512f") &&
		__builtin_cpu_supports("avx512vpopcntdq");
#endif

	if (request == NULL)
		return have_vpopcntdq ? "avx512vpopcntdq" :
			have_popcnt ? "popcnt" : "scalar";
	if (strcmp(request, "scalar") == 0)
		return "scalar";
	if (strcmp(request, "popcnt") == 0)
	{
		*why = "this CPU lacks POPCNT";
		return have_popcnt ? "popcnt" : NULL;
	}
	if (strcmp(request, "avx512") == 0)
	{
		*why = "this CPU lacks AVX-512 VPOPCNTDQ";
		return have_vpopcntdq ? "avx512vpopcntdq" : NULL;
	}
	fprintf(stderr, "bit_kernel_test: HNSWEXT_BIT_KERNEL must be scalar, "
			"popcnt or avx512, not \"%s\"\n", request);
	exit(EXIT_ERROR);
}

/* Run every pattern on strings of nbits bits */
static void
check_length(int nbits, unsigned char *a_end, unsigned char *b_end)
{
	int			nbytes = (nbits + 7) / 8;

	for (int pi = 0; pi < NPATTERNS; pi++)
		for (int trial = 0; trial < TRIALS; trial++)
			check_input(&patterns[pi], nbits, trial, a_end - nbytes,
						b_end - nbytes);
}

int
main(void)
{
	const char *request = getenv("HNSWEXT_BIT_KERNEL");
	const char *why = NULL;
	const char *expected = expected_kernel(request, &why);
	unsigned char *a_end = guarded_end();
	unsigned char *b_end = guarded_end();
	long		before;

	/* keep the progress lines when the output is a pipe and a kernel crashes */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, crash_handler);
	signal(SIGBUS, crash_handler);

	if (expected == NULL)
	{
		printf("SKIP HNSWEXT_BIT_KERNEL=%s: %s\n", request, why);
		return EXIT_SKIP;
	}

	BitDistanceInit();
	kernel_name = BitDistanceKernelName();
	printf("HNSWEXT_BIT_KERNEL=%s: BitDistanceInit chose \"%s\"\n",
		   request ? request : "(unset)", kernel_name);
	if (strcmp(kernel_name, expected) != 0)
	{
		fprintf(stderr, "FAIL: expected kernel \"%s\", BitDistanceInit chose "
				"\"%s\"\n", expected, kernel_name);
		return EXIT_MISMATCH;
	}
	if ((strcmp(kernel_name, "scalar") == 0) !=
		(BitHammingKernel == BitHammingScalar &&
		 BitJaccardKernel == BitJaccardScalar))
	{
		fprintf(stderr, "FAIL: kernel \"%s\" chosen but the kernel pointers "
				"%s the portable functions\n", kernel_name,
				strcmp(kernel_name, "scalar") == 0 ? "are not" : "are");
		return EXIT_MISMATCH;
	}

	for (int nbits = 0; nbits <= MAX_BITS; nbits++)
		check_length(nbits, a_end, b_end);
	printf("  lengths 0-%d bits: %ld comparisons, %ld mismatches\n",
		   MAX_BITS, comparisons, mismatches);

	before = mismatches;
	for (int i = 0; i < (int) lengthof(long_lengths); i++)
		check_length(long_lengths[i], a_end, b_end);
	printf("  lengths 4095-%d bits: %ld mismatches\n", LONGEST_BITS,
		   mismatches - before);

	if (mismatches > 0)
	{
		if (mismatches > MAX_REPORTS)
			fprintf(stderr, "(%ld more mismatches not shown)\n",
					mismatches - MAX_REPORTS);
		fprintf(stderr, "FAIL: kernel %s: %ld of %ld comparisons mismatched\n",
				kernel_name, mismatches, comparisons);
		return EXIT_MISMATCH;
	}
	printf("PASS: kernel %s matches the portable kernels and the bit-by-bit "
		   "counts in %ld comparisons (%d patterns, lengths 0-%d and %d "
		   "longer up to %d bits, %d trials)\n",
		   kernel_name, comparisons, NPATTERNS, MAX_BITS,
		   (int) lengthof(long_lengths), LONGEST_BITS, TRIALS);
	return 0;
}
