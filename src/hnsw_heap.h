/*-------------------------------------------------------------------------
 *
 * hnsw_heap.h
 *	  A binary heap, as a template: one definition serves the search's
 *	  candidate lists, the build's and the recall measurement's, each
 *	  compiled for its own item type and order.
 *
 * Define, then include this file (as often as needed, once per kind):
 *
 *	HEAP_PREFIX		prefix of the names made: PrefixHeap, PrefixHeapInit, ...
 *	HEAP_ITEM		the item type, copied by value (keep it small)
 *	HEAP_KEY(it)	the float an item is ordered by; the smallest is on top
 *					(a max-heap negates its key)
 *
 * What is made, all static inline in the including file:
 *
 *	PrefixHeap					{ int count; int capacity; HEAP_ITEM *items; }
 *	PrefixHeapInit(h, n)		empty, room for n items (palloc'd)
 *	PrefixHeapPush(h, item)		add, growing the array when full
 *	PrefixHeapPop(h)			remove and return the top; h must not be empty
 *	PrefixHeapReplaceTop(h, it)	pop and push at once; h must not be empty
 *
 * The top item is h->items[0].  Keys compare with "<", so a NaN key would
 * break the order: callers map NaN to something (the search: +inf).
 *
 * src/hnsw_heap.h
 *
 *-------------------------------------------------------------------------
 */

#ifndef HEAP_PREFIX
#error "define HEAP_PREFIX, HEAP_ITEM and HEAP_KEY before including hnsw_heap.h"
#endif

#define HEAP_CONCAT_(a, b)		a##b
#define HEAP_CONCAT(a, b)		HEAP_CONCAT_(a, b)
#define HEAP_TYPE				HEAP_CONCAT(HEAP_PREFIX, Heap)
#define HEAP_INIT				HEAP_CONCAT(HEAP_PREFIX, HeapInit)
#define HEAP_PUSH				HEAP_CONCAT(HEAP_PREFIX, HeapPush)
#define HEAP_POP				HEAP_CONCAT(HEAP_PREFIX, HeapPop)
#define HEAP_REPLACE_TOP		HEAP_CONCAT(HEAP_PREFIX, HeapReplaceTop)
#define HEAP_SIFT_DOWN			HEAP_CONCAT(HEAP_PREFIX, HeapSiftDown)

typedef struct HEAP_TYPE
{
	int			count;
	int			capacity;
	HEAP_ITEM  *items;
} HEAP_TYPE;

static inline void
HEAP_INIT(HEAP_TYPE *h, int capacity)
{
	h->count = 0;
	h->capacity = Max(capacity, 16);
	h->items = palloc(sizeof(HEAP_ITEM) * h->capacity);
}

static inline void
HEAP_PUSH(HEAP_TYPE *h, HEAP_ITEM item)
{
	float		key = HEAP_KEY(item);
	int			i;

	if (h->count >= h->capacity)
	{
		h->capacity *= 2;
		h->items = repalloc(h->items, sizeof(HEAP_ITEM) * h->capacity);
	}
	i = h->count++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!(key < HEAP_KEY(h->items[parent])))
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = item;
}

/* Put "item" where the top was and sift it down among h->count items */
static inline void
HEAP_SIFT_DOWN(HEAP_TYPE *h, HEAP_ITEM item)
{
	float		key = HEAP_KEY(item);
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= h->count)
			break;
		if (child + 1 < h->count &&
			HEAP_KEY(h->items[child + 1]) < HEAP_KEY(h->items[child]))
			child++;
		if (!(HEAP_KEY(h->items[child]) < key))
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	h->items[i] = item;
}

static inline HEAP_ITEM
HEAP_POP(HEAP_TYPE *h)
{
	HEAP_ITEM	top = h->items[0];
	HEAP_ITEM	last = h->items[--h->count];

	if (h->count > 0)
		HEAP_SIFT_DOWN(h, last);
	return top;
}

static inline void
HEAP_REPLACE_TOP(HEAP_TYPE *h, HEAP_ITEM item)
{
	HEAP_SIFT_DOWN(h, item);
}

#undef HEAP_CONCAT_
#undef HEAP_CONCAT
#undef HEAP_TYPE
#undef HEAP_INIT
#undef HEAP_PUSH
#undef HEAP_POP
#undef HEAP_REPLACE_TOP
#undef HEAP_SIFT_DOWN
#undef HEAP_PREFIX
#undef HEAP_ITEM
#undef HEAP_KEY
