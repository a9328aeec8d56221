// Shared by the file-system tests (vfs_path_test, vfs_ops_test,
// tmpfs_test, fd_table_test, devfs_test, initramfs_unpack_test): a fresh
// tree per test - a tmpfs mounted as "/" of its own mount table - a clock
// the test drives, and helpers that turn ErrorOr results into test
// failures.
#pragma once

#include <fs/tmpfs/tmpfs.h>
#include <fs/vfs/abi.h>
#include <fs/vfs/fs_clock.h>
#include <fs/vfs/vfs.h>
#include <gtest/gtest.h>
#include <lib/errno.h>
#include <string>
#include <vector>

// Evaluates an ErrorOr; a failure fails the test (and returns from it);
// otherwise yields the value.
#define MUST(expression)                                                                            \
    ({                                                                                              \
        auto&& _must_result = (expression);                                                         \
        if (_must_result.is_error())                                                                \
            GTEST_FAIL() << #expression << " failed: " << errno_name(_must_result.error().code()); \
        _must_result.release_value();                                                               \
    })

// Expects an ErrorOr to carry errno `expected_errno`.
#define EXPECT_ERRNO(expression, expected_errno)                                                                          \
    do {                                                                                                                  \
        auto&& _errno_result = (expression);                                                                              \
        if (!_errno_result.is_error())                                                                                    \
            ADD_FAILURE() << #expression << " succeeded, expected " << errno_name(expected_errno);                        \
        else                                                                                                              \
            EXPECT_EQ(std::string(errno_name(_errno_result.error().code())), std::string(errno_name(expected_errno))) << #expression; \
    } while (0)

namespace fs_test {

inline i64 s_now_ns = 1'000'000'000'000'000'000;
inline i64 test_clock() { return s_now_ns; }

class FsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        s_now_ns = 1'700'000'000'000'000'000;
        vfs::set_fs_clock(test_clock);
        // mount(2) by type name finds tmpfs (registering again is harmless).
        ASSERT_FALSE(tmpfs::register_type().is_error());
        tmpfs::Options options;
        options.root_mode = 0755;
        auto root_inode = tmpfs::TmpFs::create(options);
        ASSERT_FALSE(root_inode.is_error());
        auto root = mounts.mount_root(root_inode.release_value(), "rootfs", 0);
        ASSERT_FALSE(root.is_error());
        m_root = root.release_value();
    }

    void TearDown() override { vfs::set_fs_clock(nullptr); }

    void advance_clock(i64 ns) { s_now_ns += ns; }

    vfs::Location const& root() const { return m_root; }
    vfs::Context context(Credentials const& credentials, u32 umask = 022) const
    {
        return vfs::Context { mounts, m_root, credentials, umask };
    }
    vfs::Context as_root() const { return context(m_superuser, 0); }

    // The one-liners tests use to build trees (as root, umask 0).
    ErrorOr<void> make_directory(std::string const& path, u32 mode = 0755)
    {
        return vfs::mkdir(as_root(), m_root, path.c_str(), mode);
    }
    ErrorOr<void> write_file(std::string const& path, std::string const& data, u32 mode = 0644)
    {
        auto file = TRY(vfs::open(as_root(), m_root, path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode));
        KernelIoBuffer buffer(static_cast<void const*>(data.data()), data.size());
        usize written = TRY(file->write(buffer, data.size()));
        if (written != data.size())
            return Error::from_errno(EIO);
        return {};
    }
    ErrorOr<std::string> read_file(std::string const& path, vfs::Context const* as = nullptr)
    {
        vfs::Context context = as ? *as : as_root();
        auto file = TRY(vfs::open(context, m_root, path.c_str(), O_RDONLY, 0));
        return read_all(*file);
    }
    static ErrorOr<std::string> read_all(vfs::OpenFile& file)
    {
        std::string result;
        char chunk[1000];
        for (;;) {
            KernelIoBuffer buffer(chunk, sizeof(chunk));
            usize got = TRY(file.read(buffer, sizeof(chunk)));
            if (got == 0)
                return result;
            result.append(chunk, got);
        }
    }
    ErrorOr<vfs::Location> lookup(std::string const& path, u32 flags = 0)
    {
        return vfs::resolve(as_root(), m_root, path.c_str(), flags);
    }
    ErrorOr<LinuxStat> stat(std::string const& path, u32 flags = 0)
    {
        return vfs::stat(as_root(), m_root, path.c_str(), flags);
    }
    // Names in a directory (without "." and ".."), in listing order, read
    // through getdents64 with a buffer of `buffer_size` bytes.
    ErrorOr<std::vector<std::string>> list(std::string const& path, usize buffer_size = 4096)
    {
        auto directory = TRY(vfs::open(as_root(), m_root, path.c_str(), O_RDONLY | O_DIRECTORY, 0));
        std::vector<std::string> names;
        std::vector<u8> bytes(buffer_size);
        for (;;) {
            KernelIoBuffer buffer(bytes.data(), bytes.size());
            usize got = TRY(directory->read_directory(buffer, bytes.size()));
            if (got == 0)
                return names;
            for (usize offset = 0; offset < got;) {
                LinuxDirent64 head;
                memcpy(&head, bytes.data() + offset, sizeof(head));
                std::string name(reinterpret_cast<char const*>(bytes.data() + offset + LinuxDirent64::kNameOffset));
                if (name != "." && name != "..")
                    names.push_back(name);
                offset += head.reclen;
            }
        }
    }

    Credentials m_superuser { Credentials::root() };
    mutable vfs::MountTable mounts;
    vfs::Location m_root;
};

}
