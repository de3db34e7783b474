module minderbinder.dev/minderbinder

go 1.19
