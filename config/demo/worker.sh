#!/bin/sh
# A pretend queue worker: takes a job every few seconds.
n=0
trap 'echo "worker $1: stopping after $n jobs"; exit 0' INT TERM
echo "worker $1: ready"
while true; do
    n=$((n + 1))
    echo "worker $1: job $n done"
    sleep 3 &
    wait $!
done
