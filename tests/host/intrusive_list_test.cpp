// IntrusiveList (kernel/lib/intrusive_list.h): order, O(1) size, removal
// during iteration, membership checks and the VERIFY failures that guard
// against double insertion and stray removal.
#include <gtest/gtest.h>
#include <lib/intrusive_list.h>
#include <deque>
#include <vector>

namespace {

struct Item {
    explicit Item(int v)
        : value(v)
    {
    }
    int value;
    IntrusiveListNode m_node;
    IntrusiveListNode m_other_node; // an object may sit on two lists at once
};

using ItemList = IntrusiveList<Item, &Item::m_node>;
using OtherList = IntrusiveList<Item, &Item::m_other_node>;

std::vector<int> values_of(ItemList const& list)
{
    std::vector<int> out;
    for (auto const& item : list)
        out.push_back(item.value);
    return out;
}

std::vector<int> values_backwards(ItemList& list)
{
    std::vector<int> out;
    for (Item* item = list.last(); item; item = list.prev(*item))
        out.push_back(item->value);
    return out;
}

TEST(IntrusiveList, new_list_is_empty)
{
    ItemList list;
    EXPECT_TRUE(list.is_empty());
    EXPECT_EQ(list.size(), 0u);
    EXPECT_EQ(list.first(), nullptr);
    EXPECT_EQ(list.last(), nullptr);
    EXPECT_EQ(list.pop_front(), nullptr);
    EXPECT_EQ(list.pop_back(), nullptr);
    EXPECT_EQ(list.begin(), list.end());
}

TEST(IntrusiveList, append_and_prepend_keep_order)
{
    Item a(1), b(2), c(3), d(4);
    ItemList list;
    list.append(b);
    list.append(c);
    list.prepend(a);
    list.append(d);
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 2, 3, 4 }));
    EXPECT_EQ(values_backwards(list), (std::vector<int> { 4, 3, 2, 1 }));
    EXPECT_EQ(list.size(), 4u);
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(list.last(), &d);
    EXPECT_EQ(list.next(b), &c);
    EXPECT_EQ(list.prev(b), &a);
    EXPECT_EQ(list.next(d), nullptr);
    EXPECT_EQ(list.prev(a), nullptr);
}

TEST(IntrusiveList, is_linked_follows_membership)
{
    Item a(1);
    ItemList list;
    EXPECT_FALSE(a.m_node.is_linked());
    list.append(a);
    EXPECT_TRUE(a.m_node.is_linked());
    EXPECT_TRUE(list.contains(a));
    list.remove(a);
    EXPECT_FALSE(a.m_node.is_linked());
    EXPECT_FALSE(list.contains(a));
}

TEST(IntrusiveList, remove_from_head_middle_and_tail)
{
    Item a(1), b(2), c(3), d(4), e(5);
    ItemList list;
    for (Item* item : { &a, &b, &c, &d, &e })
        list.append(*item);

    list.remove(c);
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 2, 4, 5 }));
    list.remove(a);
    EXPECT_EQ(values_of(list), (std::vector<int> { 2, 4, 5 }));
    list.remove(e);
    EXPECT_EQ(values_of(list), (std::vector<int> { 2, 4 }));
    EXPECT_EQ(values_backwards(list), (std::vector<int> { 4, 2 }));
    EXPECT_EQ(list.size(), 2u);
    EXPECT_EQ(list.first(), &b);
    EXPECT_EQ(list.last(), &d);

    list.remove(b);
    list.remove(d);
    EXPECT_TRUE(list.is_empty());
    EXPECT_EQ(list.first(), nullptr);
    EXPECT_EQ(list.last(), nullptr);
}

TEST(IntrusiveList, pop_front_is_fifo_and_unlinks)
{
    Item a(1), b(2), c(3);
    ItemList queue;
    queue.append(a);
    queue.append(b);
    queue.append(c);
    EXPECT_EQ(queue.pop_front(), &a);
    EXPECT_FALSE(a.m_node.is_linked());
    EXPECT_EQ(queue.size(), 2u);
    EXPECT_EQ(queue.pop_back(), &c);
    EXPECT_EQ(queue.pop_front(), &b);
    EXPECT_EQ(queue.pop_front(), nullptr);
    EXPECT_TRUE(queue.is_empty());
    // A popped object can go straight back in: the run-queue round robin.
    queue.append(a);
    EXPECT_EQ(queue.first(), &a);
    queue.clear();
}

TEST(IntrusiveList, insert_before_keeps_sorted_order)
{
    Item a(10), b(20), c(30), d(5), e(25);
    ItemList list;
    list.append(a);
    list.append(c);
    list.insert_before(c, b);
    list.insert_before(a, d); // at the head
    list.insert_before(c, e);
    EXPECT_EQ(values_of(list), (std::vector<int> { 5, 10, 20, 25, 30 }));
    EXPECT_EQ(values_backwards(list), (std::vector<int> { 30, 25, 20, 10, 5 }));
    EXPECT_EQ(list.first(), &d);
    EXPECT_EQ(list.size(), 5u);
}

TEST(IntrusiveList, size_is_counted_through_every_operation)
{
    std::deque<Item> items;
    for (int i = 0; i < 100; ++i)
        items.emplace_back(i);
    ItemList list;
    for (auto& item : items)
        (item.value % 2 ? list.append(item) : list.prepend(item));
    EXPECT_EQ(list.size(), 100u);
    for (int i = 0; i < 100; i += 3)
        list.remove(items[i]);
    EXPECT_EQ(list.size(), 100u - 34u);
    usize walked = 0;
    for ([[maybe_unused]] auto& item : list)
        ++walked;
    EXPECT_EQ(walked, list.size());
    list.clear();
    EXPECT_EQ(list.size(), 0u);
    for (auto& item : items)
        EXPECT_FALSE(item.m_node.is_linked());
}

TEST(IntrusiveList, removal_safe_iteration_may_remove_the_current_element)
{
    std::deque<Item> items;
    for (int i = 0; i < 10; ++i)
        items.emplace_back(i);
    ItemList list;
    for (auto& item : items)
        list.append(item);

    std::vector<int> visited;
    for (auto& item : list.removal_safe()) {
        visited.push_back(item.value);
        if (item.value % 2 == 0)
            list.remove(item);
    }
    EXPECT_EQ(visited, (std::vector<int> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 3, 5, 7, 9 }));

    // Removing everything, including the last element, ends cleanly.
    for (auto& item : list.removal_safe())
        list.remove(item);
    EXPECT_TRUE(list.is_empty());
}

TEST(IntrusiveList, removal_safe_iteration_may_move_elements_to_another_list)
{
    // What a wake-all does: every waiter moves from a wait queue to a run queue.
    Item a(1), b(2), c(3);
    ItemList wait_queue;
    ItemList run_queue;
    wait_queue.append(a);
    wait_queue.append(b);
    wait_queue.append(c);
    for (auto& item : wait_queue.removal_safe()) {
        wait_queue.remove(item);
        run_queue.append(item);
    }
    EXPECT_TRUE(wait_queue.is_empty());
    EXPECT_EQ(values_of(run_queue), (std::vector<int> { 1, 2, 3 }));
    EXPECT_TRUE(run_queue.contains(b));
    EXPECT_FALSE(wait_queue.contains(b));
    run_queue.clear();
}

TEST(IntrusiveList, one_object_on_two_lists_through_two_nodes)
{
    Item a(1), b(2);
    ItemList list;
    OtherList other;
    list.append(a);
    list.append(b);
    other.append(b);
    other.append(a);
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(other.first(), &b);
    list.remove(a);
    EXPECT_TRUE(a.m_other_node.is_linked());
    EXPECT_EQ(other.last(), &a);
    list.clear();
    other.clear();
}

// The node need not be the first member, and T may be polymorphic: the
// owner is found from the member's offset.
struct Base {
    virtual ~Base() = default;
    virtual int id() const = 0;
    long padding[3] {};
};

struct Derived : Base {
    explicit Derived(int v)
        : value(v)
    {
    }
    int id() const override { return value; }
    int value;
    IntrusiveListNode m_node;
};

TEST(IntrusiveList, finds_owner_of_node_in_polymorphic_type)
{
    Derived a(7), b(8);
    IntrusiveList<Derived, &Derived::m_node> list;
    list.append(a);
    list.append(b);
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(list.first()->id(), 7);
    EXPECT_EQ(list.pop_back()->id(), 8);
    int sum = 0;
    for (auto& d : list)
        sum += d.id();
    EXPECT_EQ(sum, 7);
    list.clear();
}

TEST(IntrusiveList, destroying_a_list_unlinks_its_objects)
{
    Item a(1), b(2);
    {
        ItemList list;
        list.append(a);
        list.append(b);
    }
    EXPECT_FALSE(a.m_node.is_linked());
    EXPECT_FALSE(b.m_node.is_linked());
}

TEST(IntrusiveListDeathTest, inserting_a_linked_node_is_a_verify_failure)
{
    EXPECT_DEATH(
        {
            Item a(1);
            ItemList list;
            list.append(a);
            list.append(a);
        },
        "VERIFY");
    EXPECT_DEATH(
        {
            Item a(1);
            ItemList one;
            ItemList two;
            one.append(a);
            two.prepend(a);
        },
        "VERIFY");
}

TEST(IntrusiveListDeathTest, removing_an_unlinked_node_is_a_verify_failure)
{
    EXPECT_DEATH(
        {
            Item a(1);
            ItemList list;
            list.remove(a);
        },
        "VERIFY");
}

TEST(IntrusiveListDeathTest, removing_through_the_wrong_list_is_a_verify_failure)
{
    EXPECT_DEATH(
        {
            Item a(1);
            ItemList one;
            ItemList two;
            one.append(a);
            two.remove(a);
        },
        "VERIFY");
}

TEST(IntrusiveListDeathTest, destroying_a_linked_object_is_a_verify_failure)
{
    EXPECT_DEATH(
        {
            ItemList list;
            {
                Item a(1);
                list.append(a);
            }
        },
        "VERIFY");
}

}
