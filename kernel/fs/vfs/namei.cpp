// Path resolution (fs/vfs/namei.h).
//
// The walk keeps a stack of texts still to walk: the path itself at the
// bottom, and above it the target of each symlink being followed (its
// KString kept in the frame). Components are taken from the top text; an
// exhausted text is popped and the one below continues, which is how
// "a/link/b" walks the link's target and then "b". A component is the
// last one when nothing but slashes remains in any text.
#include <fs/vfs/namei.h>
#include <security/permissions.h>

namespace vfs {

namespace {

bool only_slashes(StringView text)
{
    for (char c : text) {
        if (c != '/')
            return false;
    }
    return true;
}

struct Frame {
    StringView remaining;
    KString target; // empty for the path itself
    Frame* below { nullptr };
};

class Walker {
public:
    Walker(Context const& context, Location start, StringView path)
        : m_context(context)
        , m_current(std::move(start))
    {
        m_path.remaining = path;
    }

    ~Walker()
    {
        while (m_top != &m_path)
            pop();
    }

    Walker(Walker const&) = delete;
    Walker& operator=(Walker const&) = delete;

    Location& current() { return m_current; }
    bool must_be_directory() const { return m_must_be_directory; }

    // The next component, or false when the path is used up. `last` when
    // nothing follows it; `trailing` when a slash does.
    bool next_component(StringView& name, bool& last, bool& trailing)
    {
        for (;;) {
            StringView& text = m_top->remaining;
            usize start = 0;
            while (start < text.length() && text[start] == '/')
                ++start;
            if (start == text.length()) {
                if (m_top == &m_path) {
                    text = StringView();
                    return false;
                }
                pop();
                continue;
            }
            usize end = start;
            while (end < text.length() && text[end] != '/')
                ++end;
            name = text.substring_view(start, end - start);
            text = text.substring_view(end);
            trailing = !text.is_empty();
            last = only_slashes(text) && !more_below();
            return true;
        }
    }

    // Moves into `name` of the current directory. A symlink there is
    // followed when `follow` (its target then becomes the text to walk,
    // and the current directory stays the link's directory).
    ErrorOr<void> step(StringView name, bool follow)
    {
        TRY(check_searchable());
        if (name == ".")
            return {};
        if (name == "..")
            return step_to_parent();
        if (name.length() > kNameMax)
            return Error::from_errno(ENAMETOOLONG);
        RefPtr<Inode> found = TRY(m_current.inode->lookup(name));
        Location child { m_current.mount, std::move(found) };
        cross_mounts(child);
        if (child.inode->is_symlink() && follow)
            return follow_link(*child.inode);
        m_current = std::move(child);
        return {};
    }

    // The current directory must be a directory this caller may search.
    ErrorOr<void> check_searchable()
    {
        if (!m_current.inode->is_directory())
            return Error::from_errno(ENOTDIR);
        return security::check_access(m_context.credentials, m_current.inode->ownership(), security::kMayExec);
    }

    ErrorOr<void> follow_link(Inode& link)
    {
        if (++m_follows > kMaxSymlinkFollows)
            return Error::from_errno(ELOOP);
        if (m_current.mount->flags() & MS_NOSYMFOLLOW)
            return Error::from_errno(ELOOP);
        KString target = TRY(link.readlink());
        if (target.is_empty())
            return Error::from_errno(ENOENT);
        auto* frame = new (std::nothrow) Frame;
        if (!frame)
            return Error::from_errno(ENOMEM);
        frame->target = std::move(target);
        frame->remaining = frame->target.view();
        frame->below = m_top;
        m_top = frame;
        if (frame->remaining.starts_with('/'))
            m_current = m_context.root;
        return {};
    }

    void cross_mounts(Location& location)
    {
        while (location.inode->is_mountpoint()) {
            RefPtr<Mount> mount = m_context.mounts.mounted_on(*location.mount, *location.inode);
            if (!mount)
                return;
            location.inode = RefPtr<Inode>(&mount->root());
            location.mount = std::move(mount);
        }
    }

    void note_trailing_slash() { m_must_be_directory = true; }

    // True when `text` lies inside the path being walked (not in a
    // symlink target that dies with the walker).
    bool is_in_path(StringView text, StringView path) const
    {
        auto address = [](char const* p) { return reinterpret_cast<uptr>(p); };
        return address(text.begin()) >= address(path.begin()) && address(text.end()) <= address(path.end());
    }

private:
    ErrorOr<void> step_to_parent()
    {
        for (;;) {
            if (m_current == m_context.root)
                return {};
            if (!m_current.is_mount_root())
                break;
            Mount& mount = *m_current.mount;
            if (!mount.parent() || mount.is_detached())
                return {}; // the top of the tree
            m_current = Location { RefPtr<Mount>(mount.parent()), RefPtr<Inode>(mount.mountpoint()) };
        }
        RefPtr<Inode> parent = TRY(m_current.inode->lookup(".."));
        m_current.inode = std::move(parent);
        cross_mounts(m_current);
        return {};
    }

    bool more_below() const
    {
        for (Frame* frame = m_top->below; frame; frame = frame->below) {
            if (!only_slashes(frame->remaining))
                return true;
        }
        return false;
    }

    void pop()
    {
        Frame* frame = m_top;
        m_top = frame->below;
        delete frame;
    }

    Context const& m_context;
    Location m_current;
    Frame m_path;
    Frame* m_top { &m_path };
    u32 m_follows { 0 };
    bool m_must_be_directory { false };
};

ErrorOr<void> check_path(StringView path, u32 flags)
{
    if (path.is_empty() && !(flags & kResolveEmptyPath))
        return Error::from_errno(ENOENT);
    if (path.length() >= kPathMax)
        return Error::from_errno(ENAMETOOLONG);
    return {};
}

Location const& start_of(Context const& context, Location const& base, StringView path)
{
    return path.starts_with('/') ? context.root : base;
}

}

ErrorOr<Location> resolve(Context const& context, Location const& base, StringView path, u32 flags)
{
    TRY(check_path(path, flags));
    VERIFY(!context.root.is_null() && !base.is_null());
    Walker walker(context, start_of(context, base, path), path);
    StringView name;
    bool last;
    bool trailing;
    while (walker.next_component(name, last, trailing)) {
        if (last && trailing)
            walker.note_trailing_slash();
        bool follow = !last || !(flags & kResolveNoFollow) || walker.must_be_directory();
        TRY(walker.step(name, follow));
    }
    Location& result = walker.current();
    if ((walker.must_be_directory() || (flags & kResolveDirectory)) && !result.inode->is_directory())
        return Error::from_errno(ENOTDIR);
    return std::move(result);
}

ErrorOr<ParentResolution> resolve_parent(Context const& context, Location const& base, StringView path, u32 flags)
{
    TRY(check_path(path, flags & ~kResolveEmptyPath));
    VERIFY(!context.root.is_null() && !base.is_null());
    Walker walker(context, start_of(context, base, path), path);
    ParentResolution resolution;
    resolution.kind = LastComponent::Root;
    StringView name;
    bool last;
    bool trailing;
    while (walker.next_component(name, last, trailing)) {
        if (!last) {
            TRY(walker.step(name, true));
            continue;
        }
        if (trailing)
            walker.note_trailing_slash();
        TRY(walker.check_searchable());
        resolution.name = name;
        resolution.trailing_slash = walker.must_be_directory();
        if (name == ".") {
            resolution.kind = LastComponent::Dot;
            break;
        }
        if (name == "..") {
            resolution.kind = LastComponent::DotDot;
            break;
        }
        resolution.kind = LastComponent::Normal;
        if (name.length() > kNameMax)
            return Error::from_errno(ENAMETOOLONG);
        if (!(flags & kResolveLookupLast))
            break;
        auto found = walker.current().inode->lookup(name);
        if (found.is_error()) {
            if (found.error().code() != ENOENT)
                return found.error();
            break;
        }
        Location child { walker.current().mount, found.release_value() };
        walker.cross_mounts(child);
        if ((flags & kResolveFollowLast) && child.inode->is_symlink()) {
            // Walk on into the link's target; its last component becomes ours.
            TRY(walker.follow_link(*child.inode));
            resolution.kind = LastComponent::Root;
            continue;
        }
        resolution.child = std::move(child);
        break;
    }
    if (resolution.kind == LastComponent::Root)
        TRY(walker.check_searchable());
    resolution.parent = std::move(walker.current());
    if (resolution.kind == LastComponent::Root)
        resolution.name = StringView();
    if (!resolution.name.is_empty() && !walker.is_in_path(resolution.name, path)) {
        resolution.name_storage = TRY(KString::create(resolution.name));
        resolution.name = resolution.name_storage.view();
    }
    return resolution;
}

}
