// Unpacking cpio newc archives into tmpfs (kernel/fs/initramfs_unpack.cpp):
// an archive GNU cpio writes from a directory made here (nested
// directories, files with their modes including set-user-id, owners,
// mtimes, relative and absolute symlinks, a hard link, a FIFO, an empty
// file), and archives written entry by entry for what a host directory
// cannot hold or cpio would not write: device nodes, entries whose parents
// come later or never, ".", replacement of existing files, names escaping
// with "..", and malformed archives.
#include "fs_test_fixture.h"
#include <filesystem>
#include <fs/initramfs_unpack.h>
#include <fstream>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

using fs_test::FsTest;

namespace {

using Bytes = std::vector<u8>;

struct Entry {
    std::string name;
    u32 mode;
    std::string data {};
    u32 ino { 1 };
    u32 nlink { 1 };
    u32 mtime { 0 };
    u32 uid { 0 };
    u32 gid { 0 };
    u32 rdev_major { 0 };
    u32 rdev_minor { 0 };
};

void append_hex(Bytes& out, u32 value)
{
    char buffer[9];
    snprintf(buffer, sizeof(buffer), "%08X", value);
    out.insert(out.end(), buffer, buffer + 8);
}

void pad(Bytes& out)
{
    while (out.size() % 4)
        out.push_back(0);
}

// A newc archive, written as the format describes it.
Bytes archive_of(std::vector<Entry> entries)
{
    entries.push_back({ "TRAILER!!!", 0 });
    Bytes out;
    for (auto const& entry : entries) {
        std::string magic = "070701";
        out.insert(out.end(), magic.begin(), magic.end());
        for (u32 field : { entry.ino, entry.mode, entry.uid, entry.gid, entry.nlink, entry.mtime,
                 static_cast<u32>(entry.data.size()), 0u, 0u, entry.rdev_major, entry.rdev_minor,
                 static_cast<u32>(entry.name.size() + 1), 0u })
            append_hex(out, field);
        out.insert(out.end(), entry.name.begin(), entry.name.end());
        out.push_back(0);
        pad(out);
        out.insert(out.end(), entry.data.begin(), entry.data.end());
        pad(out);
    }
    return out;
}

class InitramfsUnpackTest : public FsTest {
protected:
    ErrorOr<initramfs::UnpackStatistics> unpack(Bytes const& archive, std::string const& into = "/")
    {
        vfs::Location destination = TRY(lookup(into));
        return initramfs::unpack_cpio(archive.data(), archive.size(), mounts, destination);
    }
};

TEST_F(InitramfsUnpackTest, a_gnu_cpio_archive_of_a_real_directory)
{
    namespace fs = std::filesystem;
    char pattern[] = "/tmp/haneul-initramfs-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    fs::path top = pattern;
    auto write = [&](fs::path const& path, std::string const& data) {
        std::ofstream(top / path, std::ios::binary) << data;
    };
    fs::create_directories(top / "bin");
    fs::create_directories(top / "etc/init.d");
    fs::create_directories(top / "empty");
    write("bin/busybox", std::string(10000, 'B') + "end");
    write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write("etc/init.d/rcS", "#!/bin/sh\necho hi\n");
    write("etc/empty-file", "");
    ASSERT_EQ(chmod((top / "bin/busybox").c_str(), 04755), 0);
    ASSERT_EQ(chmod((top / "etc/init.d/rcS").c_str(), 0750), 0);
    ASSERT_EQ(chmod((top / "etc").c_str(), 0711), 0);
    ASSERT_EQ(symlink("busybox", (top / "bin/sh").c_str()), 0);
    ASSERT_EQ(symlink("/bin/busybox", (top / "bin/ls").c_str()), 0);
    ASSERT_EQ(link((top / "bin/busybox").c_str(), (top / "bin/hardlinked").c_str()), 0);
    ASSERT_EQ(mkfifo((top / "etc/fifo").c_str(), 0600), 0);
    ASSERT_EQ(chmod((top / "etc/fifo").c_str(), 0620), 0);
    bool can_chown = geteuid() == 0;
    if (can_chown) {
        ASSERT_EQ(lchown((top / "etc/passwd").c_str(), 1234, 5678), 0);
    }
    // Distinct mtimes, directories last (writing into them moves theirs).
    struct timespec times[2] = { { 1500000000, 0 }, { 1600000000, 0 } };
    for (auto path : { "bin/busybox", "etc/passwd", "etc" }) {
        times[1].tv_sec += 1000;
        ASSERT_EQ(utimensat(AT_FDCWD, (top / path).c_str(), times, 0), 0);
    }
    times[1].tv_sec = 1234567890;
    ASSERT_EQ(utimensat(AT_FDCWD, (top / "bin/sh").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);

    std::string command = "cd " + top.string() + " && find . | LC_ALL=C sort | cpio --quiet -o -H newc";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    Bytes archive;
    u8 chunk[4096];
    for (size_t got; (got = fread(chunk, 1, sizeof(chunk), pipe)) > 0;)
        archive.insert(archive.end(), chunk, chunk + got);
    ASSERT_EQ(pclose(pipe), 0);
    fs::remove_all(top);

    initramfs::UnpackStatistics statistics = MUST(unpack(archive));
    EXPECT_EQ(statistics.directories, 4u); // bin, etc, etc/init.d, empty
    EXPECT_EQ(statistics.symlinks, 2u);
    EXPECT_EQ(statistics.special_files, 1u);
    EXPECT_EQ(statistics.files + statistics.hard_links, 5u);
    EXPECT_EQ(statistics.hard_links, 1u);
    EXPECT_EQ(statistics.skipped, 1u); // "."

    EXPECT_EQ(MUST(read_file("/bin/busybox")), std::string(10000, 'B') + "end");
    EXPECT_EQ(MUST(read_file("/etc/passwd")), "root:x:0:0:root:/root:/bin/sh\n");
    EXPECT_EQ(MUST(read_file("/etc/init.d/rcS")), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(MUST(read_file("/etc/empty-file")), "");
    EXPECT_EQ(MUST(stat("/bin/busybox")).mode, static_cast<u32>(S_IFREG | 04755));
    EXPECT_EQ(MUST(stat("/etc/init.d/rcS")).mode, static_cast<u32>(S_IFREG | 0750));
    EXPECT_EQ(MUST(stat("/etc")).mode, static_cast<u32>(S_IFDIR | 0711));
    EXPECT_EQ(MUST(stat("/etc/fifo")).mode, static_cast<u32>(S_IFIFO | 0620));
    EXPECT_TRUE(MUST(lookup("/empty")).inode->is_directory());
    if (can_chown) {
        LinuxStat passwd = MUST(stat("/etc/passwd"));
        EXPECT_EQ(passwd.uid, 1234u);
        EXPECT_EQ(passwd.gid, 5678u);
    }
    EXPECT_EQ(MUST(stat("/bin/busybox")).mtime_sec, 1600001000u);
    EXPECT_EQ(MUST(stat("/etc/passwd")).mtime_sec, 1600002000u);
    EXPECT_EQ(MUST(stat("/etc")).mtime_sec, 1600003000u);
    EXPECT_EQ(MUST(stat("/bin/sh", AT_SYMLINK_NOFOLLOW)).mtime_sec, 1234567890u);

    // Symlinks keep their targets; the absolute one resolves in the new tree.
    char target[64];
    KernelIoBuffer out(target, sizeof(target));
    usize length = MUST(vfs::readlink(as_root(), root(), "/bin/sh", out, sizeof(target)));
    EXPECT_EQ(std::string(target, length), "busybox");
    EXPECT_EQ(MUST(stat("/bin/ls")).ino, MUST(stat("/bin/busybox")).ino);
    // The hard link is one file with two names.
    LinuxStat original = MUST(stat("/bin/busybox"));
    LinuxStat linked = MUST(stat("/bin/hardlinked"));
    EXPECT_EQ(original.ino, linked.ino);
    EXPECT_EQ(original.nlink, 2u);
    EXPECT_EQ(linked.size, 10003);
}

TEST_F(InitramfsUnpackTest, device_nodes_and_missing_parents)
{
    Bytes archive = archive_of({
        { ".", S_IFDIR | 0755 },
        { "./dev/console", S_IFCHR | 0600, "", 2, 1, 100, 0, 5, 5, 1 },
        { "dev/sda", S_IFBLK | 0660, "", 3, 1, 100, 0, 6, 8, 0 },
        { "/deep/er/file", S_IFREG | 0644, "content", 4 },
        { "dev/socket", S_IFSOCK | 0777, "", 5 },
    });
    initramfs::UnpackStatistics statistics = MUST(unpack(archive));
    EXPECT_EQ(statistics.special_files, 3u);
    EXPECT_EQ(statistics.files, 1u);
    EXPECT_EQ(statistics.directories, 3u); // dev, deep, deep/er made on the way
    LinuxStat console = MUST(stat("/dev/console"));
    EXPECT_EQ(console.mode, static_cast<u32>(S_IFCHR | 0600));
    EXPECT_EQ(console.rdev, vfs::make_device(5, 1));
    EXPECT_EQ(console.mtime_sec, 100u);
    LinuxStat sda = MUST(stat("/dev/sda"));
    EXPECT_EQ(sda.rdev, vfs::make_device(8, 0));
    EXPECT_EQ(sda.gid, 6u);
    EXPECT_EQ(MUST(stat("/dev")).mode, static_cast<u32>(S_IFDIR | 0755));
    EXPECT_EQ(MUST(read_file("/deep/er/file")), "content");
    EXPECT_EQ(MUST(stat("/dev/socket")).mode, static_cast<u32>(S_IFSOCK | 0777));
}

TEST_F(InitramfsUnpackTest, existing_files_are_replaced_and_directories_kept)
{
    MUST(make_directory("/etc", 0700));
    MUST(write_file("/etc/keep", "kept"));
    MUST(write_file("/etc/hostname", "old"));
    MUST(make_directory("/was_dir"));
    MUST(write_file("/was_file", "file"));
    Bytes archive = archive_of({
        { "etc", S_IFDIR | 0755, "", 1, 2, 500, 7, 8 },
        { "etc/hostname", S_IFREG | 0644, "haneul\n", 2 },
        { "was_dir", S_IFLNK | 0777, "etc", 3 },
        { "was_file", S_IFDIR | 0750, "", 4 },
    });
    MUST(unpack(archive));
    EXPECT_EQ(MUST(read_file("/etc/keep")), "kept");
    EXPECT_EQ(MUST(read_file("/etc/hostname")), "haneul\n");
    LinuxStat etc = MUST(stat("/etc"));
    EXPECT_EQ(etc.mode, static_cast<u32>(S_IFDIR | 0755));
    EXPECT_EQ(etc.uid, 7u);
    EXPECT_EQ(etc.mtime_sec, 500u);
    EXPECT_TRUE(MUST(lookup("/was_dir", vfs::kResolveNoFollow)).inode->is_symlink());
    EXPECT_EQ(MUST(stat("/was_dir/keep")).size, 4);
    EXPECT_TRUE(MUST(lookup("/was_file")).inode->is_directory());
}

TEST_F(InitramfsUnpackTest, hard_links_with_data_on_any_entry)
{
    Bytes archive = archive_of({
        { "a", S_IFREG | 0644, "", 42, 3 },
        { "b", S_IFREG | 0644, "", 42, 3 },
        { "c", S_IFREG | 0644, "payload", 42, 3 },
        // Same inode number, different mode: another file.
        { "d", S_IFREG | 0600, "other", 42, 2 },
        { "fifo1", S_IFIFO | 0600, "", 50, 2 },
        { "fifo2", S_IFIFO | 0600, "", 50, 2 },
    });
    initramfs::UnpackStatistics statistics = MUST(unpack(archive));
    EXPECT_EQ(statistics.hard_links, 3u);
    EXPECT_EQ(MUST(read_file("/a")), "payload");
    EXPECT_EQ(MUST(stat("/a")).ino, MUST(stat("/c")).ino);
    EXPECT_EQ(MUST(stat("/b")).nlink, 3u);
    EXPECT_EQ(MUST(read_file("/d")), "other");
    EXPECT_NE(MUST(stat("/d")).ino, MUST(stat("/a")).ino);
    EXPECT_EQ(MUST(stat("/fifo1")).ino, MUST(stat("/fifo2")).ino);
}

TEST_F(InitramfsUnpackTest, names_stay_inside_the_destination)
{
    MUST(make_directory("/target"));
    MUST(write_file("/outside", "untouched"));
    Bytes archive = archive_of({
        { "../outside", S_IFREG | 0644, "overwritten?", 1 },
        { "up", S_IFLNK | 0777, "/", 2 },
        { "up/outside", S_IFREG | 0644, "via link", 3 },
        { "x/..", S_IFDIR | 0755, "", 4 },
    });
    initramfs::UnpackStatistics statistics = MUST(unpack(archive, "/target"));
    EXPECT_EQ(MUST(read_file("/outside")), "untouched");
    EXPECT_EQ(MUST(read_file("/target/outside")), "via link");
    EXPECT_EQ(statistics.skipped, 1u);
}

TEST_F(InitramfsUnpackTest, malformed_archives_are_einval)
{
    Bytes archive = archive_of({ { "file", S_IFREG | 0644, "data", 1 } });
    Bytes broken = archive;
    broken[0] = 'X';
    EXPECT_ERRNO(unpack(broken), EINVAL);
    Bytes truncated(archive.begin(), archive.begin() + 120);
    EXPECT_ERRNO(unpack(truncated), EINVAL);
    EXPECT_ERRNO(unpack(archive_of({ { "weird", 0170000 | 0644, "", 1 } })), EINVAL);
    EXPECT_ERRNO(unpack(archive_of({ { "emptylink", S_IFLNK | 0777, "", 1 } })), EINVAL);
    MUST(unpack(archive));
    EXPECT_EQ(MUST(read_file("/file")), "data");
}

}
