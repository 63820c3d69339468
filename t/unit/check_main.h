#ifndef TERN_CHECK_MAIN_H
#define TERN_CHECK_MAIN_H
/*
 * NAME
 *	check_main - the one function a unit test file defines
 * SYNOPSIS
 *	Suite *suite(void);
 * DESCRIPTION
 *	Every t/unit/test_NAME.c defines suite(); check_main.c's main() runs
 *	it and prints "unit NAME: N passed, M failed" for t/run.
 */
#include <check.h>

Suite *suite(void);

#endif
