# Node.js 22 on Debian 12 (bookworm), the system Strata is tested on.
FROM node:22-bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ca-certificates python3 make g++ \
    qemu-system-x86 qemu-utils user-mode-linux uml-utilities busybox-static e2fsprogs cpio fio bubblewrap \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/strata
COPY . .
# setup.mjs refreshes the apt lists the guest builder's `apt-get download` needs, then runs npm ci.
RUN node scripts/setup.mjs && node scripts/build.mjs
ENV STRATA_HOST=0.0.0.0 STRATA_DATA_DIR=/var/lib/strata STRATA_CACHE_DIR=/var/lib/strata/cache
EXPOSE 8080
CMD ["node", "--enable-source-maps", "apps/server/dist/main.js"]
