// The file-system ABI (kernel/fs/vfs/abi.h) against the host's C library
// on x86-64 Linux: every field offset and size of struct stat, statx,
// statfs and linux_dirent64, the getdents64 record length, device number
// encoding, and the value of every constant as the kernel defines it
// (fs_abi_values_test.cpp compiles abi.h without HANEUL_HOST).
#include <dirent.h>
#include <fs/vfs/abi.h>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

struct KernelAbiValue {
    const char* name;
    long long value;
};
extern const KernelAbiValue kKernelAbiValues[];
extern const unsigned long kKernelAbiValueCount;

namespace {

using HostStat = struct stat;
using HostStatx = struct statx;
using HostStatxTimestamp = struct statx_timestamp;
using HostStatfs = struct statfs;
using HostDirent64 = struct dirent64;

#define EXPECT_SAME_FIELD(ours, field, theirs, their_field)                                  \
    do {                                                                                     \
        EXPECT_EQ(offsetof(ours, field), offsetof(theirs, their_field)) << #field;           \
        EXPECT_EQ(sizeof(ours::field), sizeof(theirs::their_field)) << #field;               \
    } while (0)

TEST(FsAbi, stat_matches_the_x86_64_layout)
{
    EXPECT_EQ(sizeof(LinuxStat), sizeof(HostStat));
    EXPECT_SAME_FIELD(LinuxStat, dev, HostStat, st_dev);
    EXPECT_SAME_FIELD(LinuxStat, ino, HostStat, st_ino);
    EXPECT_SAME_FIELD(LinuxStat, nlink, HostStat, st_nlink);
    EXPECT_SAME_FIELD(LinuxStat, mode, HostStat, st_mode);
    EXPECT_SAME_FIELD(LinuxStat, uid, HostStat, st_uid);
    EXPECT_SAME_FIELD(LinuxStat, gid, HostStat, st_gid);
    EXPECT_SAME_FIELD(LinuxStat, rdev, HostStat, st_rdev);
    EXPECT_SAME_FIELD(LinuxStat, size, HostStat, st_size);
    EXPECT_SAME_FIELD(LinuxStat, blksize, HostStat, st_blksize);
    EXPECT_SAME_FIELD(LinuxStat, blocks, HostStat, st_blocks);
    EXPECT_SAME_FIELD(LinuxStat, atime_sec, HostStat, st_atim.tv_sec);
    EXPECT_SAME_FIELD(LinuxStat, atime_nsec, HostStat, st_atim.tv_nsec);
    EXPECT_SAME_FIELD(LinuxStat, mtime_sec, HostStat, st_mtim.tv_sec);
    EXPECT_SAME_FIELD(LinuxStat, mtime_nsec, HostStat, st_mtim.tv_nsec);
    EXPECT_SAME_FIELD(LinuxStat, ctime_sec, HostStat, st_ctim.tv_sec);
    EXPECT_SAME_FIELD(LinuxStat, ctime_nsec, HostStat, st_ctim.tv_nsec);
}

TEST(FsAbi, statx_matches_linux)
{
    EXPECT_EQ(sizeof(LinuxStatx), sizeof(HostStatx));
    EXPECT_SAME_FIELD(LinuxStatx, stx_mask, HostStatx, stx_mask);
    EXPECT_SAME_FIELD(LinuxStatx, stx_blksize, HostStatx, stx_blksize);
    EXPECT_SAME_FIELD(LinuxStatx, stx_attributes, HostStatx, stx_attributes);
    EXPECT_SAME_FIELD(LinuxStatx, stx_nlink, HostStatx, stx_nlink);
    EXPECT_SAME_FIELD(LinuxStatx, stx_uid, HostStatx, stx_uid);
    EXPECT_SAME_FIELD(LinuxStatx, stx_gid, HostStatx, stx_gid);
    EXPECT_SAME_FIELD(LinuxStatx, stx_mode, HostStatx, stx_mode);
    EXPECT_SAME_FIELD(LinuxStatx, stx_ino, HostStatx, stx_ino);
    EXPECT_SAME_FIELD(LinuxStatx, stx_size, HostStatx, stx_size);
    EXPECT_SAME_FIELD(LinuxStatx, stx_blocks, HostStatx, stx_blocks);
    EXPECT_SAME_FIELD(LinuxStatx, stx_attributes_mask, HostStatx, stx_attributes_mask);
    EXPECT_SAME_FIELD(LinuxStatx, stx_atime.sec, HostStatx, stx_atime.tv_sec);
    EXPECT_SAME_FIELD(LinuxStatx, stx_atime.nsec, HostStatx, stx_atime.tv_nsec);
    EXPECT_SAME_FIELD(LinuxStatx, stx_btime, HostStatx, stx_btime);
    EXPECT_SAME_FIELD(LinuxStatx, stx_ctime, HostStatx, stx_ctime);
    EXPECT_SAME_FIELD(LinuxStatx, stx_mtime, HostStatx, stx_mtime);
    EXPECT_SAME_FIELD(LinuxStatx, stx_rdev_major, HostStatx, stx_rdev_major);
    EXPECT_SAME_FIELD(LinuxStatx, stx_rdev_minor, HostStatx, stx_rdev_minor);
    EXPECT_SAME_FIELD(LinuxStatx, stx_dev_major, HostStatx, stx_dev_major);
    EXPECT_SAME_FIELD(LinuxStatx, stx_dev_minor, HostStatx, stx_dev_minor);
    EXPECT_EQ(sizeof(LinuxStatxTimestamp), sizeof(HostStatxTimestamp));
    // Fields newer than the host's C library are checked against Linux's header.
    EXPECT_EQ(offsetof(LinuxStatx, stx_mnt_id), 144u);
    EXPECT_EQ(offsetof(LinuxStatx, stx_dio_mem_align), 152u);
}

TEST(FsAbi, statfs_matches_the_x86_64_layout)
{
    EXPECT_EQ(sizeof(LinuxStatfs), sizeof(HostStatfs));
    EXPECT_SAME_FIELD(LinuxStatfs, type, HostStatfs, f_type);
    EXPECT_SAME_FIELD(LinuxStatfs, bsize, HostStatfs, f_bsize);
    EXPECT_SAME_FIELD(LinuxStatfs, blocks, HostStatfs, f_blocks);
    EXPECT_SAME_FIELD(LinuxStatfs, bfree, HostStatfs, f_bfree);
    EXPECT_SAME_FIELD(LinuxStatfs, bavail, HostStatfs, f_bavail);
    EXPECT_SAME_FIELD(LinuxStatfs, files, HostStatfs, f_files);
    EXPECT_SAME_FIELD(LinuxStatfs, ffree, HostStatfs, f_ffree);
    EXPECT_SAME_FIELD(LinuxStatfs, fsid, HostStatfs, f_fsid);
    EXPECT_SAME_FIELD(LinuxStatfs, namelen, HostStatfs, f_namelen);
    EXPECT_SAME_FIELD(LinuxStatfs, frsize, HostStatfs, f_frsize);
    EXPECT_SAME_FIELD(LinuxStatfs, flags, HostStatfs, f_flags);
    EXPECT_EQ(vfs::kStatfsReadOnly, static_cast<u64>(ST_RDONLY));
    EXPECT_EQ(vfs::kStatfsNoSuid, static_cast<u64>(ST_NOSUID));
    EXPECT_EQ(vfs::kStatfsNoDev, static_cast<u64>(ST_NODEV));
    EXPECT_EQ(vfs::kStatfsNoExec, static_cast<u64>(ST_NOEXEC));
    EXPECT_EQ(vfs::kStatfsNoAtime, static_cast<u64>(ST_NOATIME));
    EXPECT_EQ(vfs::kStatfsNoDirAtime, static_cast<u64>(ST_NODIRATIME));
    EXPECT_EQ(vfs::kStatfsRelatime, static_cast<u64>(ST_RELATIME));
}

TEST(FsAbi, dirent64_matches_linux)
{
    // glibc's struct dirent64 is the kernel's linux_dirent64 with a fixed
    // 256-byte name.
    EXPECT_SAME_FIELD(LinuxDirent64, ino, HostDirent64, d_ino);
    EXPECT_SAME_FIELD(LinuxDirent64, off, HostDirent64, d_off);
    EXPECT_SAME_FIELD(LinuxDirent64, reclen, HostDirent64, d_reclen);
    EXPECT_SAME_FIELD(LinuxDirent64, type, HostDirent64, d_type);
    EXPECT_EQ(LinuxDirent64::kNameOffset, offsetof(HostDirent64, d_name));
    // 19 bytes of head, the name, its NUL, padded to 8.
    EXPECT_EQ(vfs::dirent64_record_length(1), 24u);
    EXPECT_EQ(vfs::dirent64_record_length(4), 24u);
    EXPECT_EQ(vfs::dirent64_record_length(5), 32u);
    EXPECT_EQ(vfs::dirent64_record_length(255), 280u);
}

TEST(FsAbi, device_numbers_encode_as_glibc_does)
{
    for (u32 major : { 0u, 1u, 4u, 8u, 254u, 4095u, 4096u, 0xfffffu }) {
        for (u32 minor : { 0u, 3u, 64u, 255u, 256u, 65535u, 0xfffffu, 0xffffffffu }) {
            u64 ours = vfs::make_device(major, minor);
            EXPECT_EQ(ours, static_cast<u64>(makedev(major, minor))) << major << ":" << minor;
            EXPECT_EQ(vfs::device_major(ours), major);
            EXPECT_EQ(vfs::device_minor(ours), minor);
        }
    }
    // What mknod(2) receives (Linux's 32-bit new_encode_dev) decodes the same.
    EXPECT_EQ(vfs::make_device(4, 64), 0x440u);
    EXPECT_EQ(vfs::make_device(1, 3), 0x103u);
}

TEST(FsAbi, kernel_constants_have_linux_values)
{
    std::map<std::string, long long> host;
#define HANEUL_ABI_VALUE(name) host[#name] = static_cast<long long>(name);
#include "fs_abi_names.inc"
#undef HANEUL_ABI_VALUE
    EXPECT_EQ(kKernelAbiValueCount, host.size());
    for (unsigned long i = 0; i < kKernelAbiValueCount; ++i) {
        auto const& kernel = kKernelAbiValues[i];
        ASSERT_TRUE(host.contains(kernel.name)) << kernel.name;
        EXPECT_EQ(kernel.value, host[kernel.name]) << kernel.name;
    }
    EXPECT_EQ(vfs::dirent_type(S_IFREG | 0644), DT_REG);
    EXPECT_EQ(vfs::dirent_type(S_IFLNK), DT_LNK);
    EXPECT_EQ(vfs::dirent_type(S_IFSOCK), DT_SOCK);
}

}
