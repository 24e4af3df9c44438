#!/usr/bin/env python3
"""Bytes of an unspun index by part, over the body text of its corpus (issue #10).

    python3 bench/index-size/breakdown.py INDEX_DIR CORPUS.jsonl[.gz]

Reads every seg-*.docs and seg-*.post file's footer (format v3 or v4; see
docs/index-format.md) and every postings bucket's key count, and prints per part:
zstd blocks, dictionary, ids and tables of the document stores; Elias-Fano low key bits
(v3: the fixed-width keys), unary high parts + gamma counts + padding, document numbers,
directory and chunk checksums of the postings; each as bytes and as a ratio to the body
text (the UTF-8 bytes of every record's "text" field). No third-party modules.
"""
import glob
import gzip
import json
import os
import struct
import sys

def varint(b, p):
    v=0; s=0
    while True:
        x=b[p]; p+=1; v|=(x&0x7f)<<s; s+=7
        if x<0x80: return v,p
def post(path):
    b = open(path,'rb').read(); ver=struct.unpack_from('<I',b,8)[0]
    fs = len(b)-8-64
    n_keys,n_post = struct.unpack_from('<QQ',b,fs)
    B,C,KB,D = struct.unpack_from('<IIII',b,fs+16)
    off_dir,off_chunks,n_chunks = struct.unpack_from('<QQQ',b,fs+32)
    d = struct.unpack_from('<%dI'%((1<<B)+1), b, off_dir)
    r=KB-B; low=0; vbytes=0
    for i in range(1<<B):
        if d[i+1]>d[i]:
            n,p=varint(b,16+d[i]); vbytes+=p-16-d[i]
            if ver>=4:
                c=0 if n<=1 else (n-1).bit_length()
                low+=n*max(0,r-c)
            else: low+=n*r
    data=(off_dir-16)*8
    return {'size':len(b),'n_keys':n_keys,'n_postings':n_post,'key_low_bytes':low/8,'doc_bytes':n_post*D/8,
            'unary_gamma_pad_bytes':(data-low-n_post*D)/8-vbytes,'varint_bytes':vbytes,'dir_bytes':off_chunks-off_dir,'chunk_bytes':n_chunks*8}
def docs(path):
    b = open(path,'rb').read(); ver=struct.unpack_from('<I',b,8)[0]
    if ver>=4:
        fs=len(b)-8-64; n_docs,n_blocks,off_dict,off_ids,off_idoff,off_blocks,off_stats=struct.unpack_from('<7Q',b,fs)
    else:
        fs=len(b)-8-56; n_docs,n_blocks,off_ids,off_idoff,off_blocks,off_stats=struct.unpack_from('<6Q',b,fs); off_dict=off_ids
    return {'size':len(b),'n_docs':n_docs,'blocks':off_dict-16,'dictionary':off_ids-off_dict,'ids':off_idoff-off_ids,'id_offsets':off_blocks-off_idoff,'block_table':off_stats-off_blocks,'stats+footer':len(b)-off_stats}


def body_text_bytes(corpus):
    opener = gzip.open if corpus.endswith('.gz') else open
    total = 0
    with opener(corpus, 'rt', encoding='utf-8') as lines:
        for line in lines:
            if line.strip():
                total += len((json.loads(line).get('text') or '').encode())
    return total


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    index, corpus = sys.argv[1], sys.argv[2]
    raw = body_text_bytes(corpus) or 1
    totals = {}
    for path in sorted(glob.glob(os.path.join(index, 'seg-*'))):
        if path.endswith('.tmp'):
            continue
        parts = post(path) if path.endswith('.post') else docs(path)
        for key, value in parts.items():
            totals[(path[-4:], key)] = totals.get((path[-4:], key), 0) + value
    if not totals:
        sys.exit(f'no segment files in {index}')
    for (kind, part), value in sorted(totals.items()):
        ratio = '' if part in ('n_keys', 'n_postings', 'n_docs') else f'{value / raw:.3f}x'
        print(f'{kind:5} {part:22} {int(value):12} {ratio}')
    all_bytes = sum(os.path.getsize(f) for f in glob.glob(os.path.join(index, '*')))
    print(f'index {all_bytes} bytes = {all_bytes / raw:.3f}x the body text ({raw} bytes)')


if __name__ == '__main__':
    main()
