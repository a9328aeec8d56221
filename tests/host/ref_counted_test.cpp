// Reference counting (kernel/lib/ref_counted.h) and owned strings
// (kernel/lib/kstring.h): counts through copies and moves, adoption,
// conversion to a base class, try_ref, leak/adopt round trips, static
// objects that are never freed, and KString creation and moves.
#include <gtest/gtest.h>
#include <lib/kstring.h>
#include <lib/ref_counted.h>
#include <utility>

namespace {

struct Tracked : RefCounted<Tracked> {
    explicit Tracked(int v)
        : value(v)
    {
        ++alive;
    }
    virtual ~Tracked() { --alive; }
    int value;
    static inline int alive = 0;
};

struct Derived final : Tracked {
    Derived()
        : Tracked(7)
    {
    }
};

TEST(RefCounted, copies_and_moves_count_references)
{
    Tracked::alive = 0;
    {
        auto made = try_make_ref_counted<Tracked>(5);
        ASSERT_FALSE(made.is_error());
        RefPtr<Tracked> a = made.release_value();
        EXPECT_EQ(a->ref_count(), 1u);
        EXPECT_EQ(Tracked::alive, 1);
        RefPtr<Tracked> b = a;
        EXPECT_EQ(a->ref_count(), 2u);
        RefPtr<Tracked> c = std::move(b);
        EXPECT_TRUE(b.is_null());
        EXPECT_EQ(c->ref_count(), 2u);
        c = nullptr;
        EXPECT_EQ(a->ref_count(), 1u);
        a = a; // self-assignment keeps the object
        EXPECT_EQ(a->value, 5);
        EXPECT_EQ((*a).value, 5);
    }
    EXPECT_EQ(Tracked::alive, 0);
}

TEST(RefCounted, derived_pointers_convert_and_delete_through_the_base)
{
    Tracked::alive = 0;
    {
        RefPtr<Derived> derived = try_make_ref_counted<Derived>().release_value();
        RefPtr<Tracked> base = derived;
        EXPECT_EQ(base->ref_count(), 2u);
        EXPECT_TRUE(base == derived);
        derived = nullptr;
        EXPECT_EQ(base->value, 7);
    }
    EXPECT_EQ(Tracked::alive, 0);
}

TEST(RefCounted, leak_and_adopt_round_trip)
{
    Tracked::alive = 0;
    RefPtr<Tracked> a = adopt_ref(new Tracked(1));
    Tracked* raw = a.leak_ref();
    EXPECT_TRUE(a.is_null());
    EXPECT_EQ(Tracked::alive, 1);
    RefPtr<Tracked> again = adopt_ref(raw);
    EXPECT_EQ(again->ref_count(), 1u);
    // A RefPtr from a raw pointer takes a new reference.
    RefPtr<Tracked> extra(raw);
    EXPECT_EQ(raw->ref_count(), 2u);
    extra.clear();
    again.clear();
    EXPECT_EQ(Tracked::alive, 0);
}

TEST(RefCounted, try_ref_only_while_alive)
{
    RefPtr<Tracked> a = adopt_ref(new Tracked(1));
    EXPECT_TRUE(a->try_ref());
    EXPECT_EQ(a->ref_count(), 2u);
    a->unref();
}

struct Static final : RefCounted<Static> {
    constexpr Static() = default;
};
constinit Static s_static;

TEST(RefCounted, static_objects_are_never_freed)
{
    {
        RefPtr<Static> a(s_static);
        RefPtr<Static> b = a;
        EXPECT_EQ(s_static.ref_count(), 3u);
    }
    EXPECT_EQ(s_static.ref_count(), 1u);
}

TEST(KString, holds_a_copy)
{
    char text[] = "hello";
    auto made = KString::create(StringView(text, 4));
    ASSERT_FALSE(made.is_error());
    KString string = made.release_value();
    text[0] = 'j';
    EXPECT_TRUE(string.view() == "hell");
    EXPECT_STREQ(string.c_str(), "hell");
    EXPECT_EQ(string.length(), 4u);
    KString moved = std::move(string);
    EXPECT_TRUE(string.is_empty());
    EXPECT_STREQ(string.c_str(), "");
    EXPECT_TRUE(moved.view() == "hell");
    KString other = KString::create("x").release_value();
    other = std::move(moved);
    EXPECT_TRUE(other.view() == "hell");
    KString empty = KString::create("").release_value();
    EXPECT_TRUE(empty.is_empty());
}

}
