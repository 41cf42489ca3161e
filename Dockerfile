# iacjit as a container image (docs/container.md):
#   docker build -t iacjit .
#   docker run --rm -v "$PWD:/src:ro" iacjit scan /src
# Stage 1 builds the wheel from this checkout; stage 2 installs only that wheel and its four
# runtime dependencies, so the image holds no source tree, no build tools and no test extras.
FROM python:3.12-slim AS build
WORKDIR /build
COPY . .
RUN python -m pip install --no-cache-dir --disable-pip-version-check build \
 && python -m build --wheel --outdir /dist .

FROM python:3.12-slim
COPY --from=build /dist/ /tmp/dist/
RUN python -m pip install --no-cache-dir --disable-pip-version-check /tmp/dist/iacjit-*.whl \
 && rm -rf /tmp/dist \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin iacjit
# A non-root user: the scanned tree is mounted read-only and nothing needs more.
USER iacjit
WORKDIR /src
ENTRYPOINT ["iacjit"]
CMD ["scan", "."]
