set -x
cd /work/main
timeout 600 npm run bench -- --kinds ours --masters 3 --skip-rooms --our-clients plain --hot-rates 10,100 --out /tmp/b-plain > /tmp/b-plain.log 2>&1
timeout 600 npm run bench -- --kinds ours --masters 3 --skip-hot --our-clients plain --out /tmp/b-after > /tmp/b-after.log 2>&1
BENCH_OURS_SCRIPT=/work/wt-before/src/main.ts timeout 600 npm run bench -- --kinds ours --masters 3 --skip-hot --our-clients plain --out /tmp/b-before > /tmp/b-before.log 2>&1
timeout 600 npm run bench -- --kinds ours --masters 3 --skip-hot --our-clients plain --ack-replicas 0 --out /tmp/b-ack0 > /tmp/b-ack0.log 2>&1
timeout 900 npm run bench:big-room -- --out /tmp/big-room.json > /tmp/big-room.log 2>&1
echo done
