/*
 * NAME
 *	guarded - test strings that end at an unreadable page
 * SYNOPSIS
 *	const char *guarded(const char *s);
 *	const void *guarded_mem(const void *p, size_t n);
 *	void guarded_free(void);
 * DESCRIPTION
 *	guarded() copies s with its NUL so that the NUL is the last readable
 *	byte: the next page is PROT_NONE, and a parser that reads one byte
 *	past the end of the string dies with SIGSEGV, with or without a
 *	sanitizer (Check reports the signal as a failure). guarded_mem() does
 *	the same for n bytes without a terminator. Each call maps a new pair
 *	of pages; guarded_free() unmaps them all (at most 64 per test).
 */
#ifndef TERN_T_GUARDED_H
#define TERN_T_GUARDED_H
#include <check.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *guarded_map[64];
static size_t guarded_nmap;

static inline const void *guarded_mem(const void *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *m;

	ck_assert_uint_le(n, page);
	ck_assert_uint_lt(guarded_nmap, sizeof guarded_map / sizeof guarded_map[0]);
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mprotect(m + page, page, PROT_NONE), 0);
	guarded_map[guarded_nmap++] = m;
	memcpy(m + page - n, p, n);
	return m + page - n;
}

static inline const char *guarded(const char *s)
{
	return guarded_mem(s, strlen(s) + 1);
}

static inline void guarded_free(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	while (guarded_nmap > 0)
		munmap(guarded_map[--guarded_nmap], 2 * page);
}
#endif
