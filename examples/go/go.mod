module minderbinder.dev/examples/go

go 1.19

require minderbinder.dev/minderbinder v0.0.0

replace minderbinder.dev/minderbinder => ../../backend/go
