// The file-system part of the Linux x86-64 user ABI: open flags, *at()
// flags, file types and permission bits, seek modes, rename flags, d_type,
// statx masks, mount flags, poll bits, and the structures stat(),
// statx(), statfs() and getdents64() hand to user space, laid out byte for
// byte as x86-64 Linux lays them out (tests/host/fs_abi_test.cpp compares
// every offset with the host's C library).
//
// The constants are macros with Linux's names, as in lib/errno.h: the
// syscall layer and user programs speak the same vocabulary. A host build
// takes them from the C library's headers (same values on x86-64 Linux;
// tests/host/fs_abi_values_test.cpp checks the kernel's list against them);
// the kernel defines them here. (libstdc++'s headers bring a few of the C
// library's into kernel builds too - SEEK_*, RENAME_*, *_OK - so those are
// spelled exactly as it spells them, which makes the repeat harmless.)
// The structures have their own names
// (LinuxStat...) and member names without the st_ prefix, because the C
// library defines st_atime and friends as macros.
// Host-buildable.
#pragma once

#include <lib/types.h>

#ifdef HANEUL_HOST
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#else
// open(2) flags (asm-generic/fcntl.h).
#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_NOCTTY 00000400
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_NDELAY O_NONBLOCK
#define O_DSYNC 00010000
#define O_ASYNC 00020000
#define O_DIRECT 00040000
// The C library calls it 0 on x86-64 (every file is large); the kernel
// value is what 32-bit programs and some libraries still pass.
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW 00400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020200000

#define FD_CLOEXEC 1

// *at() flags.
#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS 0x200
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define AT_STATX_SYNC_AS_STAT 0x0000
#define AT_STATX_FORCE_SYNC 0x2000
#define AT_STATX_DONT_SYNC 0x4000

// access(2).
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

// File types and permission bits of st_mode.
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 0004000
#define S_ISGID 0002000
#define S_ISVTX 0001000
#define S_IRWXU 00700
#define S_IRUSR 00400
#define S_IWUSR 00200
#define S_IXUSR 00100
#define S_IRWXG 00070
#define S_IRGRP 00040
#define S_IWGRP 00020
#define S_IXGRP 00010
#define S_IRWXO 00007
#define S_IROTH 00004
#define S_IWOTH 00002
#define S_IXOTH 00001

// lseek(2).
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

// renameat2(2).
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)

// d_type of getdents64(2).
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
#define DT_WHT 14

// utimensat(2).
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

// statx(2) masks.
#define STATX_TYPE 0x00000001U
#define STATX_MODE 0x00000002U
#define STATX_NLINK 0x00000004U
#define STATX_UID 0x00000008U
#define STATX_GID 0x00000010U
#define STATX_ATIME 0x00000020U
#define STATX_MTIME 0x00000040U
#define STATX_CTIME 0x00000080U
#define STATX_INO 0x00000100U
#define STATX_SIZE 0x00000200U
#define STATX_BLOCKS 0x00000400U
#define STATX_BASIC_STATS 0x000007ffU
#define STATX_BTIME 0x00000800U
#define STATX_MNT_ID 0x00001000U
#define STATX__RESERVED 0x80000000U

// mount(2) and umount2(2).
#define MS_RDONLY 1
#define MS_NOSUID 2
#define MS_NODEV 4
#define MS_NOEXEC 8
#define MS_SYNCHRONOUS 16
#define MS_REMOUNT 32
#define MS_MANDLOCK 64
#define MS_DIRSYNC 128
#define MS_NOSYMFOLLOW 256
#define MS_NOATIME 1024
#define MS_NODIRATIME 2048
#define MS_BIND 4096
#define MS_MOVE 8192
#define MS_REC 16384
#define MS_SILENT 32768
#define MS_RELATIME (1 << 21)
#define MS_STRICTATIME (1 << 24)
#define MS_LAZYTIME (1 << 25)
#define MS_MGC_VAL 0xc0ed0000
#define MS_MGC_MSK 0xffff0000
#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8

// poll(2) readiness bits.
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#endif

namespace vfs {

// Limits of names and paths (linux/limits.h). kPathMax counts the NUL, so
// the longest path a call accepts has kPathMax - 1 characters.
constexpr usize kNameMax = 255;
constexpr usize kPathMax = 4096;
// Symlinks followed in one path lookup before ELOOP (Linux's MAXSYMLINKS).
constexpr u32 kMaxSymlinkFollows = 40;

constexpr u32 kPageSize = 4096;

// statfs f_flags (the ST_* of statvfs), and the file-system magic numbers
// statfs reports in f_type.
constexpr u64 kStatfsReadOnly = 0x0001;
constexpr u64 kStatfsNoSuid = 0x0002;
constexpr u64 kStatfsNoDev = 0x0004;
constexpr u64 kStatfsNoExec = 0x0008;
constexpr u64 kStatfsValid = 0x0020;
constexpr u64 kStatfsNoAtime = 0x0400;
constexpr u64 kStatfsNoDirAtime = 0x0800;
constexpr u64 kStatfsRelatime = 0x1000;
constexpr u64 kTmpfsMagic = 0x01021994;

constexpr u32 file_type(u32 mode) { return mode & S_IFMT; }
constexpr bool is_directory(u32 mode) { return file_type(mode) == S_IFDIR; }
constexpr bool is_regular(u32 mode) { return file_type(mode) == S_IFREG; }
constexpr bool is_symlink(u32 mode) { return file_type(mode) == S_IFLNK; }
constexpr bool is_char_device(u32 mode) { return file_type(mode) == S_IFCHR; }
constexpr bool is_block_device(u32 mode) { return file_type(mode) == S_IFBLK; }
constexpr bool is_fifo(u32 mode) { return file_type(mode) == S_IFIFO; }
constexpr bool is_socket(u32 mode) { return file_type(mode) == S_IFSOCK; }
// The d_type getdents64 reports for a file type (its S_IFMT bits >> 12).
constexpr u8 dirent_type(u32 mode) { return static_cast<u8>((mode >> 12) & 15); }

// Device numbers as user space sees them in st_dev and st_rdev (glibc's
// makedev/major/minor; for majors below 4096 and minors below 2^20 this is
// also the 32-bit encoding mknod(2) takes).
constexpr u64 make_device(u32 major, u32 minor)
{
    return (static_cast<u64>(major & 0xfffff000u) << 32) | (static_cast<u64>(major & 0xfffu) << 8)
        | (static_cast<u64>(minor & 0xffffff00u) << 12) | (minor & 0xffu);
}
constexpr u32 device_major(u64 device) { return static_cast<u32>(((device >> 32) & 0xfffff000u) | ((device >> 8) & 0xfffu)); }
constexpr u32 device_minor(u64 device) { return static_cast<u32>(((device >> 12) & 0xffffff00u) | (device & 0xffu)); }

}

// struct stat of x86-64 Linux (arch/x86/include/uapi/asm/stat.h): 144 bytes.
struct LinuxStat {
    u64 dev;
    u64 ino;
    u64 nlink;
    u32 mode;
    u32 uid;
    u32 gid;
    u32 pad0;
    u64 rdev;
    i64 size;
    i64 blksize;
    i64 blocks; // 512-byte units
    u64 atime_sec;
    u64 atime_nsec;
    u64 mtime_sec;
    u64 mtime_nsec;
    u64 ctime_sec;
    u64 ctime_nsec;
    i64 unused[3];
};
static_assert(sizeof(LinuxStat) == 144);

struct LinuxStatxTimestamp {
    i64 sec;
    u32 nsec;
    i32 reserved;
};

// struct statx (include/uapi/linux/stat.h): 256 bytes.
struct LinuxStatx {
    u32 stx_mask;
    u32 stx_blksize;
    u64 stx_attributes;
    u32 stx_nlink;
    u32 stx_uid;
    u32 stx_gid;
    u16 stx_mode;
    u16 spare0;
    u64 stx_ino;
    u64 stx_size;
    u64 stx_blocks;
    u64 stx_attributes_mask;
    LinuxStatxTimestamp stx_atime;
    LinuxStatxTimestamp stx_btime;
    LinuxStatxTimestamp stx_ctime;
    LinuxStatxTimestamp stx_mtime;
    u32 stx_rdev_major;
    u32 stx_rdev_minor;
    u32 stx_dev_major;
    u32 stx_dev_minor;
    u64 stx_mnt_id;
    u32 stx_dio_mem_align;
    u32 stx_dio_offset_align;
    u64 spare3[12];
};
static_assert(sizeof(LinuxStatx) == 256);

// struct statfs of x86-64 Linux (asm-generic/statfs.h, 64-bit longs): 120 bytes.
struct LinuxStatfs {
    i64 type;
    i64 bsize;
    u64 blocks;
    u64 bfree;
    u64 bavail;
    u64 files;
    u64 ffree;
    i32 fsid[2];
    i64 namelen;
    i64 frsize;
    i64 flags;
    i64 spare[4];
};
static_assert(sizeof(LinuxStatfs) == 120);

// The fixed head of one getdents64 record (struct linux_dirent64); the name
// and its NUL follow at kNameOffset, and the record is padded to 8 bytes.
struct LinuxDirent64 {
    static constexpr usize kNameOffset = 19;
    u64 ino;
    i64 off;
    u16 reclen;
    u8 type;
};
static_assert(__builtin_offsetof(LinuxDirent64, type) == 18);

namespace vfs {
// Bytes one getdents64 record for a name of `name_length` takes.
constexpr usize dirent64_record_length(usize name_length) { return align_up(LinuxDirent64::kNameOffset + name_length + 1, 8); }
}
