/* results_fs.c — the file-system side of the result writer: parent
 * directories, and publishing the finished "<final>.partial" under its final
 * name with fsync(2) + rename(2) (atomic within one file system). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results_internal.h"

htx_status htx_results_fs_make_parents(const char *path, htx_err *err)
{
    htx_status st = HTX_OK;
    size_t n = strlen(path);
    char *buf = malloc(n + 1);
    if (!buf) return htx_err_set(err, HTX_E_NOMEM, path, 0, NULL, "out of memory");
    memcpy(buf, path, n + 1);
    /* Each '/' after the first character ends a parent directory name. */
    for (size_t i = 1; i < n; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/') continue;
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0) {
            int e = errno;
            struct stat sb;
            if (e != EEXIST) {
                st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot create directory '%s': %s", buf,
                                 strerror(e));
                goto out;
            }
            if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                st = htx_err_set(err, HTX_E_IO, path, 0, NULL,
                                 "'%s' exists and is not a directory; expected a directory to hold the "
                                 "result file",
                                 buf);
                goto out;
            }
        }
        buf[i] = '/';
    }
out:
    free(buf);
    return st;
}

htx_status htx_results_fs_publish(const char *from, const char *to, htx_err *err)
{
    int fd = open(from, O_RDONLY);
    if (fd < 0)
        return htx_err_set(err, HTX_E_IO, to, 0, NULL, "cannot reopen '%s' to flush it: %s", from,
                           strerror(errno));
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return htx_err_set(err, HTX_E_IO, to, 0, NULL, "cannot flush '%s' to disk: %s (the file is kept)",
                           from, strerror(e));
    }
    close(fd);
    if (rename(from, to) != 0)
        return htx_err_set(err, HTX_E_IO, to, 0, NULL,
                           "cannot rename '%s' to '%s': %s (the complete file is kept as '%s')", from, to,
                           strerror(errno), from);
    return HTX_OK;
}
