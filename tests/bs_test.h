/*
 * bs_test.h: Criterion tests that fail on leaks.
 *
 * Criterion runs each test in a forked worker; a LeakSanitizer report at the worker's exit
 * does not fail the test by itself (it is reported as a teardown crash and counted as a
 * pass). BS_TEST runs the test body, then asks LeakSanitizer for unreachable memory and
 * fails the test when there is any. Use BS_TEST instead of Test everywhere under tests/.
 * UBSan and ASan reports abort the worker (-fno-sanitize-recover=all, abort_on_error=1),
 * which Criterion counts as a crash: a failure.
 */
#ifndef TESTS_BS_TEST_H
#define TESTS_BS_TEST_H

#include <criterion/criterion.h>

#if defined(__SANITIZE_ADDRESS__)
#define BS_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BS_TEST_LSAN 1
#endif
#endif

#ifdef BS_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#define BS_TEST_LEAK_CHECK()                                                              \
    do {                                                                                  \
        if (__lsan_do_recoverable_leak_check())                                           \
            cr_assert_fail("memory leaked: see the LeakSanitizer report above");          \
    } while (0)
#else
#define BS_TEST_LEAK_CHECK() ((void)0)
#endif

#define BS_TEST(suite, name, ...)                                                         \
    static void suite##_##name##_body(void);                                              \
    Test(suite, name, ##__VA_ARGS__)                                                      \
    {                                                                                     \
        suite##_##name##_body();                                                          \
        BS_TEST_LEAK_CHECK();                                                             \
    }                                                                                     \
    static void suite##_##name##_body(void)

#endif
