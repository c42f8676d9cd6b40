module liaison

go 1.26.8

require (
	cel.dev/cel-go v0.33.2 // indirect
	github.com/goccy/go-yaml v1.19.2 // indirect
)
