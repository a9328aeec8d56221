// The table of extra procfs files; see extra_files.h.
#include <fs/procfs/extra_files.h>

namespace procfs {

namespace {

ExtraFile s_files[kMaxExtraFiles];
usize s_count = 0;

}

bool register_extra_file(ExtraFile file)
{
    if (s_count == kMaxExtraFiles)
        return false;
    s_files[s_count++] = file;
    return true;
}

usize extra_file_count() { return s_count; }

ExtraFile const& extra_file(usize index) { return s_files[index]; }

}
