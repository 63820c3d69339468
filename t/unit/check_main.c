/*
 * check_main - the main() of every Check unit-test binary: t/unit/test_NAME.c
 * defines suite(); this runs it and prints the line t/run totals:
 *	unit NAME: N passed, M failed
 *
 * A test case that sets no timeout of its own gets 60 seconds, not Check's
 * 4: the suites run on loaded machines and under sanitizers, and a timeout
 * is there to end a hung test, never to measure speed. CK_DEFAULT_TIMEOUT
 * in the environment still decides when set.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/unit/check_main.h"

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	SRunner *sr;

	(void)argc;
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);	/* read by tcase_create() in suite() */
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int run = srunner_ntests_run(sr);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("unit %s: %d passed, %d failed\n", name, run - failed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
