// Path resolution (CONCEPTS F4; Linux's namei): from a path string to a
// Location, walking one component at a time from the process root (for
// "/...") or from a base directory (the working directory or a dirfd).
//
// Linux's rules, all of them here:
// - "." stays; ".." goes to the parent, stays at the process root (so a
//   chroot cannot be left) and at the top of the tree, and from the root
//   of a mount goes to the parent of the directory the mount covers;
// - a directory with something mounted on it is crossed into the mount;
// - symlinks are followed (absolute ones from the process root), 40 at
//   most per lookup (ELOOP); the last component is followed unless
//   kResolveNoFollow says not to (lstat, O_NOFOLLOW, AT_SYMLINK_NOFOLLOW),
//   except that a trailing slash always follows;
// - a trailing slash requires a directory (ENOTDIR);
// - every directory walked through needs search (exec) permission (EACCES),
//   and a non-directory in the middle of a path is ENOTDIR;
// - components longer than 255 bytes and paths of 4096 bytes or more are
//   ENAMETOOLONG; the empty path is ENOENT (unless kResolveEmptyPath).
// Host-buildable.
#pragma once

#include <fs/vfs/context.h>
#include <lib/error_or.h>
#include <lib/kstring.h>
#include <lib/string_view.h>

namespace vfs {

// Do not follow a symlink in the last component.
constexpr u32 kResolveNoFollow = 1 << 0;
// The result must be a directory (O_DIRECTORY, chdir): ENOTDIR otherwise.
constexpr u32 kResolveDirectory = 1 << 1;
// An empty path names `base` itself (AT_EMPTY_PATH).
constexpr u32 kResolveEmptyPath = 1 << 2;
// resolve_parent: also look the last component up (ParentResolution::child).
constexpr u32 kResolveLookupLast = 1 << 3;
// resolve_parent with kResolveLookupLast: when the last component is an
// existing symlink, follow it and resolve the parent of its target
// instead (open with O_CREAT creates the file a dangling symlink names).
constexpr u32 kResolveFollowLast = 1 << 4;

ErrorOr<Location> resolve(Context const& context, Location const& base, StringView path, u32 flags = 0);

// What the last component of a path is, for calls that create or remove
// it (Linux's LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT): each call has
// its errno for the three odd ones (mkdir("/") is EEXIST, rmdir(".")
// EINVAL, rename("..", x) EBUSY...).
enum class LastComponent {
    Normal,
    Dot,
    DotDot,
    Root, // the path had no component at all: "/"
};

struct ParentResolution {
    Location parent; // a directory the caller may search
    StringView name; // the last component, empty for Root
    LastComponent kind { LastComponent::Normal };
    bool trailing_slash { false }; // "name/" (or a followed symlink's target had one)
    // With kResolveLookupLast: the existing last component (mounts
    // crossed), or null when there is none.
    Location child;
    // Holds `name` when it came from a symlink's target.
    KString name_storage;
};

// Resolves everything but the last component, which it returns by name.
// ENAMETOOLONG when that name is longer than 255 bytes.
ErrorOr<ParentResolution> resolve_parent(Context const& context, Location const& base, StringView path, u32 flags = 0);

}
