#!/bin/sh
# Prints the time once a second, forever.
while true; do
    echo "tick $(date '+%H:%M:%S')"
    sleep 1
done
