// ErrorOr<T> and TRY(): errors travel as values with their errno.
#include <gtest/gtest.h>
#include <lib/error_or.h>
#include <memory>

namespace {

ErrorOr<int> parse_digit(char c)
{
    if (c < '0' || c > '9')
        return Error::from_errno(EINVAL);
    return c - '0';
}

ErrorOr<int> add_digits(char a, char b)
{
    int x = TRY(parse_digit(a));
    int y = TRY(parse_digit(b));
    return x + y;
}

ErrorOr<void> check_positive(int v)
{
    if (v <= 0)
        return Error::from_errno(ERANGE);
    return {};
}

TEST(ErrorOr, value_passes_through_try)
{
    auto r = add_digits('3', '4');
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), 7);
}

TEST(ErrorOr, first_error_is_returned_by_try)
{
    auto r = add_digits('3', 'x');
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_STREQ(r.error().name(), "EINVAL");
}

TEST(ErrorOr, void_variant_carries_errors)
{
    EXPECT_FALSE(check_positive(1).is_error());
    auto r = check_positive(0);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), ERANGE);
}

TEST(ErrorOr, move_only_values_are_moved_not_copied)
{
    ErrorOr<std::unique_ptr<int>> r = std::make_unique<int>(5);
    ASSERT_FALSE(r.is_error());
    auto p = r.release_value();
    EXPECT_EQ(*p, 5);
}

TEST(ErrorOr, reading_the_value_of_an_error_is_a_verify_failure)
{
    ErrorOr<int> r = Error::from_errno(ENOMEM);
    EXPECT_DEATH((void)r.value(), "VERIFY");
}

}

namespace {

TEST(ErrorOr, move_assignment_replaces_value_or_error)
{
    ErrorOr<std::unique_ptr<int>> r = Error::from_errno(ENOENT);
    r = ErrorOr<std::unique_ptr<int>>(std::make_unique<int>(9));
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(*r.value(), 9);
    r = ErrorOr<std::unique_ptr<int>>(Error::from_errno(EIO));
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code(), EIO);
}

}
