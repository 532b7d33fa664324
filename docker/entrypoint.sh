#!/bin/sh
# Container entry point. `serve` (the default) brings the index up to date with the documents
# folder, then serves the page; any other arguments are passed to `qa`, e.g.
#   docker run --rm -v qa-index:/data/index IMAGE ask "What did Larijani say?"
# Configuration comes from the environment (QA_HOST, QA_PORT, QA_INDEX_DIR, QA_DOCUMENTS: see
# qa/settings.py); QA_DOCUMENTS may list several folders separated by ':'.
set -eu

log() {
    echo "qa-entrypoint: $*" >&2
}

# True when any QA_DOCUMENTS folder holds a file, at any depth.
has_documents() {
    set -f
    old_ifs=$IFS
    IFS=:
    found=1
    for folder in ${QA_DOCUMENTS:-}; do
        if [ -n "$(find "$folder" -type f -print 2>/dev/null | head -n 1)" ]; then
            found=0
            break
        fi
    done
    IFS=$old_ifs
    set +f
    return $found
}

if [ "$#" -eq 0 ]; then
    set -- serve
fi

if [ "$1" = serve ]; then
    if has_documents; then
        # Incremental: new and changed files are embedded, deleted ones dropped, and an
        # unchanged index is left as it is.
        log "indexing ${QA_DOCUMENTS} into ${QA_INDEX_DIR:-data/index}"
        qa index || log "indexing failed (see above); serving the index as it was"
    elif ! qa docs >/dev/null 2>&1; then
        # An empty index folder (a fresh bind mount, say) and no documents: the sample.
        log "no documents in ${QA_DOCUMENTS:-} and no index yet; indexing the bundled sample"
        QA_DOCUMENTS='' qa index
    else
        log "no documents in ${QA_DOCUMENTS:-}; serving the index in ${QA_INDEX_DIR:-data/index}"
    fi
fi

exec qa "$@"
