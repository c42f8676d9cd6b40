// Package bench compares liaison's engine with OPA and cedar-go on one
// policy written three times.
package bench
