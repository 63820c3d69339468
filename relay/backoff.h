#ifndef TERN_BACKOFF_H
#define TERN_BACKOFF_H
/*
 * NAME
 *	backoff - when to try again: exponential between retry-min and retry-max, with jitter
 * SYNOPSIS
 *	unsigned backoff_delay(unsigned attempts, unsigned min, unsigned max, unsigned rnd);
 *	long long backoff_next_try(long long now, unsigned attempts, unsigned min,
 *	                           unsigned max, unsigned rnd);
 *	unsigned backoff_random(void);
 * DESCRIPTION
 *	backoff_delay() gives the seconds to wait after the attempts-th failed
 *	attempt (1 for the first): base = min * 2^(attempts-1), capped at max;
 *	then up to a quarter of base is taken off, chosen by rnd, so that
 *	messages that failed together do not all come back in the same second.
 *	The result is never below min nor above max (a max below min counts as
 *	min); attempts 0 counts as 1. qmail's (20k)^2 and Postfix's 300..4000 s
 *	are the same idea; tern persists the resulting next-try time in the
 *	queue state so that a restart does not stampede (relay(8)).
 *	backoff_next_try() is now + backoff_delay(), saturating.
 *	backoff_random() is a non-cryptographic random number for the jitter.
 */

unsigned backoff_delay(unsigned attempts, unsigned min, unsigned max, unsigned rnd);
long long backoff_next_try(long long now, unsigned attempts, unsigned min,
			   unsigned max, unsigned rnd);
unsigned backoff_random(void);

#endif
