// Package ledger is liaison's tamper-evident log: a Merkle tree with one
// leaf for every record the system writes (requests, custody events,
// decisions, actions, duty changes, overrides, and every read of a person's
// record), signed checkpoints of it, and its public, read-only face.
//
// A leaf is a Commitment: the SHA-256 of a domain-separated, length-prefixed
// encoding of the record's whole row (kind, id, the columns it is looked up
// by, its time and canonical bytes: MarshalCanonical, RFC 8785 JSON) with a
// random per-record Salt kept beside the record (format 2; leaves of format
// 1, before it, commit to kind, id and body, and still verify). The
// public tree therefore reveals nothing about people, while anyone holding a
// record and its salt can prove it was logged.
//
// The flows:
//
//   - Write. A store writes each record and calls Append in the same
//     transaction (AppendTx), so neither exists without the other. The tree
//     math is golang.org/x/mod/sumdb/tlog's (RFC 6962 hashing, stored
//     hashes), not ours.
//   - Checkpoint. A Publisher signs C2SP tlog-checkpoint notes with the
//     log's Ed25519 key (golang.org/x/mod/sumdb/note), on an interval and on
//     demand, and stores them; it refuses to sign a tree that does not
//     extend the last checkpoint. The SQL stores also record
//     each checkpoint in the log itself, so that its row cannot go unseen.
//   - Publish. Handler serves /log/checkpoint, /log/key, the hash tiles and
//     the entry bundles (the commitments) as C2SP tlog-tiles, so any
//     standard client can verify the log with only its key.
//   - Prove. ProveInclusion and ProveConsistency give auditors RFC 6962
//     proofs, and NewReceipt bundles one with its signed checkpoint;
//     CheckInclusion, CheckConsistency and Receipt.Check check them.
//   - Audit. Verify recomputes every leaf from its record, rebuilds the tree
//     and checks it against the stored tree and every stored or recorded
//     checkpoint, naming each changed, deleted or inserted record, each
//     column that disagrees with its record's body, and each checkpoint
//     row deleted; it reads one snapshot of a store that has them.
//   - Witness. Cosigner submits each checkpoint to the deployment's C2SP
//     tlog-witnesses with a consistency proof and serves it with their
//     cosignatures; Witness is such a witness, which cosigns only what
//     extends what it cosigned and keeps evidence of a split view.
//   - Audit from outside. Audit checks a log through its public endpoints
//     and key alone, against the checkpoint it accepted last time.
//
// The package holds no SQL: stores implement the small interfaces in
// store.go (MemStore is the in-memory model), and the server mounts Handler.
package ledger
