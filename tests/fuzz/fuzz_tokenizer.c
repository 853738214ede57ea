/* fuzz_tokenizer.c — libFuzzer harness: a llama2.c tokenizer file
 * (htx_tokenizer_load), decoding of every token and encoding of a fixed
 * UTF-8 text with the vocabulary it yields.  The first two
 * input bytes (little-endian) are the vocabulary size the caller passes, the
 * rest is the file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "htx_tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const int vocab = data[0] | data[1] << 8;
    htx_tokenizer tok;
    htx_err err;
    memset(&tok, 0, sizeof tok);
    htx_err_clear(&err);
    const char *path = htx_fuzz_write(data + 2, size - 2, "", ".bin");
    if (htx_tokenizer_load(path, vocab, &tok, &err) == HTX_OK) {
        for (int prev = 0; prev < 3 && prev < vocab; prev++)
            for (int t = 0; t < vocab; t++)
                (void)htx_tokenizer_decode(&tok, prev, t, NULL);
        static const char text[] = "Once upon a time, \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80!";
        int ids[sizeof text + 3];
        int n = 0;
        (void)htx_tokenizer_encode(&tok, text, true, true, ids, (int)(sizeof ids / sizeof ids[0]), &n, &err);
        htx_tokenizer_free(&tok);
    }
    return 0;
}
