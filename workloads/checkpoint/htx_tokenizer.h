/* htx_tokenizer.h — llama2.c tokenizer file (e.g. tok512.bin) and decoding.
 *
 * File layout: int32 max_token_length, then for each of vocab_size tokens:
 * float32 score, int32 byte length (0 .. max_token_length), the bytes (no
 * terminator).  All little-endian.  The file must end right after the last
 * token.  Token 1 is BOS, 2 is EOS; pieces "<0x00>".."<0xFF>" stand for raw bytes.
 */
#ifndef HTX_TOKENIZER_H
#define HTX_TOKENIZER_H

#include <stdbool.h>

#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_TOKEN_BOS 1
#define HTX_TOKEN_EOS 2

typedef struct {
    int vocab_size;
    int max_token_length;  /* bytes of the longest piece allowed by the file */
    char **pieces;         /* (vocab) NUL-terminated piece bytes             */
    int *piece_len;        /* (vocab) bytes of each piece                    */
    float *scores;         /* (vocab) merge scores                           */
    char byte_pieces[256][2]; /* single raw bytes, NUL-terminated            */
    int *sorted;           /* (vocab) token ids sorted by piece bytes (encode) */
} htx_tokenizer;

/* Load `vocab_size` tokens from path.  HTX_E_IO / HTX_E_FORMAT with the file,
 * the token index and byte offset of the first bad length or a truncation,
 * or trailing bytes. */
htx_status htx_tokenizer_load(const char *path, int vocab_size, htx_tokenizer *t, htx_err *err);
/* Release; safe on a zeroed or already freed struct. */
void htx_tokenizer_free(htx_tokenizer *t);

/* Text of `token` when it follows `prev_token` (llama2.c rule): after BOS a
 * leading space of the piece is dropped; "<0xXX>" gives the raw byte XX.
 * Returns a NUL-terminated string owned by t (a raw 0x00 byte gives "");
 * NULL if token is out of range.  *len (may be NULL) gets its length in bytes. */
const char *htx_tokenizer_decode(const htx_tokenizer *t, int prev_token, int token, int *len);

/* Byte-pair encode UTF-8 `text` the llama2.c / SentencePiece way: a dummy
 * leading space when text is not empty, one token per code point (pieces
 * "<0xXX>" for bytes of code points not in the vocabulary), then repeated
 * merging of the adjacent pair whose concatenation is the highest-scoring
 * piece.  Optional BOS first / EOS last.  Writes at most max_tokens ids
 * (strlen(text) + 3 always suffices) and their count to *n_tokens.
 * HTX_E_INVAL if max_tokens is too small or a byte has no "<0xXX>" piece. */
htx_status htx_tokenizer_encode(const htx_tokenizer *t, const char *text, bool bos, bool eos,
                                int *tokens, int max_tokens, int *n_tokens, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
