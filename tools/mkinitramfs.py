#!/usr/bin/python3
"""Builds Haneul's root file system image: a cpio "newc" archive, the format
the kernel's initramfs unpacker reads (kernel/fs/cpio.h); --gzip also
writes it gzipped (GRUB's module2 would decompress it before the kernel sees
it; the build does not use that, see tools/image.cmake).

The archive is written here rather than by cpio(1) so that every entry gets
the owner and mode it should have without root on the build machine
(/home/user belongs to uid 1000, /etc/shadow is 0600, /dev/console is a
device node), and so that the same inputs always give the same bytes: names
sorted, inode numbers counted from 1, one fixed mtime (SOURCE_DATE_EPOCH,
or 0), modes normalised (0755 if the source is executable, else 0644;
directories 0755) since git keeps nothing finer.

Inputs, applied in this order (a later one replaces an earlier entry, so
Haneul's /sbin/init wins over busybox's link of that name):

  --base ARCHIVE       entries of an existing archive (plain or gzipped)
  --busybox BINARY     /bin/busybox and one symlink per applet, from
                       `BINARY --list-full` (not linuxrc)
  --tree DIR           every file, directory and symlink below DIR, at the
                       same path below /
  --mkdir DEST         a directory (0755, root), such as one that --file
                       may leave empty
  --file DEST=SRC      one file (ELF files are stripped with --strip)
  --manifest LIST      lines in the syntax of Linux's usr/gen_init_cpio:
                         dir   NAME MODE UID GID
                         nod   NAME MODE UID GID c|b MAJOR MINOR
                         slink NAME TARGET MODE UID GID
                       and one of Haneul's own, for entries the other inputs
                       make:  attr NAME MODE UID GID
  --add SPEC           `make run ADD=`: words separated by spaces or colons;
                       a directory is copied onto / (its contents, as an
                       overlay), a file goes to /root/<name>

Usage from the build (tools/image.cmake) and from tools/qemu.py (ADD=).
"""
import argparse
import gzip
import os
import re
import stat
import subprocess
import tempfile

TRAILER = "TRAILER!!!"


class Entry:
    """One archive member's inode: type and permission bits, owner, contents
    (a symlink's are its target) and, for a device node, its numbers."""

    def __init__(self, mode, uid=0, gid=0, data=b"", rdev=(0, 0)):
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.data = data
        self.rdev = rdev


class Image:
    """The archive being put together: path below / (without the leading
    slash) -> Entry."""

    def __init__(self, mtime):
        self.mtime = mtime
        self.entries = {}

    @staticmethod
    def clean(name):
        name = name.strip("/")
        while name.startswith("./"):
            name = name[2:]
        if not name or name == "." or ".." in name.split("/"):
            raise SystemExit(f"mkinitramfs: bad path {name!r}")
        return name

    def put(self, name, entry):
        name = self.clean(name)
        # Parents first: a directory the archive never names would be made
        # 0755 root by the unpacker anyway; naming it keeps listings honest.
        parts = name.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            existing = self.entries.get(parent)
            if existing is None:
                self.entries[parent] = Entry(stat.S_IFDIR | 0o755)
            elif not stat.S_ISDIR(existing.mode):
                raise SystemExit(f"mkinitramfs: {parent} is not a directory (needed for {name})")
        old = self.entries.get(name)
        if old is not None and stat.S_ISDIR(old.mode) and stat.S_ISDIR(entry.mode):
            return  # an overlay keeps the directory that is there
        if old is not None and stat.S_ISDIR(old.mode):
            prefix = name + "/"
            for key in [k for k in self.entries if k.startswith(prefix)]:
                del self.entries[key]
        self.entries[name] = entry

    def set_attributes(self, name, mode, uid, gid):
        name = self.clean(name)
        entry = self.entries.get(name)
        if entry is None:
            raise SystemExit(f"mkinitramfs: attr {name}: no such entry")
        entry.mode = stat.S_IFMT(entry.mode) | mode
        entry.uid, entry.gid = uid, gid

    # --- inputs ---

    def add_file(self, dest, src, strip=False):
        st = os.lstat(src)
        if stat.S_ISLNK(st.st_mode):
            self.put(dest, Entry(stat.S_IFLNK | 0o777, data=os.readlink(src).encode()))
            return
        if stat.S_ISDIR(st.st_mode):
            self.put(dest, Entry(stat.S_IFDIR | 0o755))
            return
        if not stat.S_ISREG(st.st_mode):
            raise SystemExit(f"mkinitramfs: {src}: not a regular file, directory or symlink")
        with open(src, "rb") as f:
            data = f.read()
        if strip and data[:4] == b"\x7fELF":
            data = stripped(src)
        mode = 0o755 if st.st_mode & 0o111 else 0o644
        self.put(dest, Entry(stat.S_IFREG | mode, data=data))

    def add_tree(self, root, dest="/"):
        root = root.rstrip("/") or "/"
        for directory, dirs, files in os.walk(root):
            dirs.sort()
            rel = os.path.relpath(directory, root)
            for name in dirs + sorted(files):
                path = os.path.join(directory, name)
                target = os.path.normpath(os.path.join(dest, rel, name))
                if os.path.islink(path) and os.path.isdir(path):
                    dirs.remove(name)  # a symlink to a directory is copied as the link
                self.add_file(target, path)

    def add_busybox(self, binary):
        check_static(binary)
        applets = subprocess.run([binary, "--list-full"], check=True, capture_output=True,
                                 text=True).stdout.split()
        self.add_file("bin/busybox", binary)
        for applet in applets:
            applet = self.clean(applet)
            if applet not in ("bin/busybox", "linuxrc"):
                self.put(applet, Entry(stat.S_IFLNK | 0o777, data=b"/bin/busybox"))

    def add_manifest(self, path):
        with open(path) as f:
            for number, line in enumerate(f, 1):
                words = line.split("#", 1)[0].split()
                if not words:
                    continue
                where = f"{path}:{number}"
                try:
                    self.manifest_line(words)
                except (ValueError, IndexError):
                    raise SystemExit(f"mkinitramfs: {where}: cannot read {line.strip()!r}")

    def manifest_line(self, words):
        kind = words[0]
        if kind == "dir" and len(words) == 5:
            name, mode, uid, gid = words[1], int(words[2], 8), int(words[3]), int(words[4])
            self.put(name, Entry(stat.S_IFDIR | mode))
            self.set_attributes(name, mode, uid, gid)
        elif kind == "nod" and len(words) == 8:
            name, mode, uid, gid = words[1], int(words[2], 8), int(words[3]), int(words[4])
            kinds = {"c": stat.S_IFCHR, "b": stat.S_IFBLK}
            self.put(name, Entry(kinds[words[5]] | mode, uid, gid, rdev=(int(words[6]), int(words[7]))))
        elif kind == "slink" and len(words) == 6:
            name, target = words[1], words[2]
            mode, uid, gid = int(words[3], 8), int(words[4]), int(words[5])
            self.put(name, Entry(stat.S_IFLNK | mode, uid, gid, data=target.encode()))
        elif kind == "attr" and len(words) == 5:
            self.set_attributes(words[1], int(words[2], 8), int(words[3]), int(words[4]))
        else:
            raise ValueError(kind)

    def add_spec(self, spec):
        """`ADD=`: directories are overlays on /, files go to /root."""
        for word in re.split(r"[\s:]+", spec.strip()):
            if not word:
                continue
            if os.path.isdir(word):
                self.add_tree(word, "/")
            elif os.path.isfile(word):
                self.add_file("root/" + os.path.basename(word), word)
            else:
                raise SystemExit(f"mkinitramfs: ADD: {word}: no such file or directory")

    def add_archive(self, path):
        data = read_maybe_gzipped(path)
        for name, entry in parse_newc(data):
            self.entries[self.clean(name)] = entry

    # --- output ---

    def newc(self):
        out = bytearray()

        def member(name, ino, entry, nlink):
            encoded = name.encode() + b"\0"
            fields = [ino, entry.mode, entry.uid, entry.gid, nlink, self.mtime, len(entry.data),
                      0, 0, entry.rdev[0], entry.rdev[1], len(encoded), 0]
            out.extend(b"070701" + b"".join(b"%08x" % v for v in fields))
            out.extend(encoded)
            out.extend(b"\0" * (-len(out) % 4))
            out.extend(entry.data)
            out.extend(b"\0" * (-len(out) % 4))

        for ino, name in enumerate(sorted(self.entries), 1):
            entry = self.entries[name]
            # Never nlink > 1 on a file: the unpacker would take equal
            # inode numbers for hard links.
            member(name, ino, entry, 2 if stat.S_ISDIR(entry.mode) else 1)
        member(TRAILER, 0, Entry(0), 1)
        out.extend(b"\0" * (-len(out) % 512))
        return bytes(out)


def parse_newc(data):
    offset = 0
    while True:
        if data[offset:offset + 6] not in (b"070701", b"070702"):
            raise SystemExit(f"mkinitramfs: not a newc archive (offset {offset})")
        fields = [int(data[offset + 6 + 8 * i:offset + 14 + 8 * i], 16) for i in range(13)]
        mode, uid, gid, size, rmajor, rminor, namesize = (fields[1], fields[2], fields[3], fields[6],
                                                          fields[9], fields[10], fields[11])
        offset += 110
        name = data[offset:offset + namesize - 1].decode()
        offset += namesize
        offset += -offset % 4
        body = data[offset:offset + size]
        offset += size
        offset += -offset % 4
        if name == TRAILER:
            return
        if name not in (".", ""):
            yield name, Entry(mode, uid, gid, body, (rmajor, rminor))


def read_maybe_gzipped(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def check_static(binary):
    # A dynamically linked busybox (Debian's `busybox`, not `busybox-static`)
    # would not run in Haneul, which has no dynamic loader.
    out = subprocess.run(["readelf", "-l", binary], check=True, capture_output=True, text=True).stdout
    if "INTERP" in out:
        raise SystemExit(f"mkinitramfs: {binary} is dynamically linked; install busybox-static (tools/deps.sh)")


def stripped(path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stripped")
        subprocess.run(["strip", "--strip-all", "-o", out, path], check=True)
        with open(out, "rb") as f:
            return f.read()


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the archive (newc)")
    parser.add_argument("--gzip", metavar="OUT", help="also write it gzipped here")
    parser.add_argument("--base")
    parser.add_argument("--busybox")
    parser.add_argument("--tree", action="append", default=[])
    parser.add_argument("--file", action="append", default=[], metavar="DEST=SRC")
    parser.add_argument("--mkdir", action="append", default=[], metavar="DEST")
    parser.add_argument("--strip", action="store_true", help="strip ELF files given with --file")
    parser.add_argument("--manifest", action="append", default=[])
    parser.add_argument("--add", action="append", default=[], metavar="SPEC")
    parser.add_argument("--summary", action="store_true", help="print what the archive holds")
    args = parser.parse_args()

    image = Image(int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    if args.base:
        image.add_archive(args.base)
    if args.busybox:
        image.add_busybox(args.busybox)
    for tree in args.tree:
        image.add_tree(tree)
    for directory in args.mkdir:
        image.put(directory, Entry(stat.S_IFDIR | 0o755))
    for spec in args.file:
        dest, _, src = spec.partition("=")
        if not src:
            raise SystemExit(f"mkinitramfs: --file {spec}: expected DEST=SRC")
        image.add_file(dest, src, args.strip)
    for manifest in args.manifest:
        image.add_manifest(manifest)
    for spec in args.add:
        image.add_spec(spec)

    archive = image.newc()
    write_atomically(args.out, archive)
    compressed = None
    if args.gzip:
        compressed = gzip.compress(archive, compresslevel=9, mtime=0)
        write_atomically(args.gzip, compressed)
    if args.summary:
        applets = sum(1 for e in image.entries.values()
                      if stat.S_ISLNK(e.mode) and e.data == b"/bin/busybox")
        line = f"initramfs: {len(image.entries)} entries"
        if applets:
            line += f" ({applets} busybox applet links)"
        line += f", {len(archive)} bytes"
        if compressed is not None:
            line += f", {len(compressed)} gzipped"
        print(line)


if __name__ == "__main__":
    main()
