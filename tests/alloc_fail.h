/*
 * alloc_fail.h: fail the Nth allocation (as SQLite's test_malloc.c does), for tests that
 * check every allocation failure surfaces as an error and leaks nothing.
 *
 * The unit-test binaries are linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (TEST_LDFLAGS in the Makefile): every allocation made by code linked statically into
 * them (core/, sim/, verify/, tests/) goes through alloc_fail.c. Shared libraries
 * (Criterion, libfyaml, the sanitizer runtime) are not affected. Disarmed, the wrappers
 * pass every call through; armed with alloc_fail_arm(n), the nth allocation from then on
 * returns NULL, once.
 */
#ifndef TESTS_ALLOC_FAIL_H
#define TESTS_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>

/* The nth allocation from now (n >= 1) fails; 0 disarms (keeping alloc_fail_fired). */
void alloc_fail_arm(unsigned long n);
/* True once the failure armed last (n >= 1) has happened. */
bool alloc_fail_fired(void);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t n);

#endif
