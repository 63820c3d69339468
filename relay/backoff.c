/* backoff - retry delays; see backoff.h. */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"

unsigned backoff_delay(unsigned attempts, unsigned min, unsigned max, unsigned rnd)
{
	unsigned long long base = min, jitter;

	if (max < min)
		max = min;
	if (attempts == 0)
		attempts = 1;
	while (--attempts > 0 && base < max)
		base *= 2;
	if (base > max)
		base = max;
	jitter = base / 4;
	if (jitter > 0)
		base -= rnd % (jitter + 1);
	if (base < min)
		base = min;
	return (unsigned)base;
}

long long backoff_next_try(long long now, unsigned attempts, unsigned min,
			   unsigned max, unsigned rnd)
{
	unsigned d = backoff_delay(attempts, min, max, rnd);

	if (now > LLONG_MAX - d)
		return LLONG_MAX;
	return now + d;
}

unsigned backoff_random(void)
{
	static int seeded;

	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		srandom((unsigned)ts.tv_nsec ^ (unsigned)getpid());
		seeded = 1;
	}
	return (unsigned)random();
}
