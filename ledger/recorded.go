package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"liaison"
)

// Checkpoints in the log. A store records each signed checkpoint it keeps
// as a record of kind liaison.KindCheckpoint, appended to the log after the
// leaves it covers (see CheckpointStore.WriteCheckpoint), so that a
// checkpoint's row cannot quietly disappear: `log verify` finds each
// recorded checkpoint whose row is gone, and checks its root against the
// tree all the same. A rollback of the log to before a checkpoint's record
// takes the record with it, and cannot be seen from inside the database:
// that is what witnesses, and `liaison audit`'s saved checkpoint, are for.

// CheckpointBody is the body of a checkpoint's record.
type CheckpointBody struct {
	Size int64  `json:"size"`
	Hash string `json:"hash"` // the root, base64
	Note string `json:"note"` // the signed note, as stored
}

// CheckpointRecordID is the id of the record of the checkpoint of a tree of
// size leaves: one record per size, so that two nodes that sign the same
// size record it once.
func CheckpointRecordID(size int64) string { return fmt.Sprintf("cp_%016d", size) }

// NewCheckpointRecord returns the record of a signed checkpoint. Its salt
// is the hash of the signed note, not a random one: a checkpoint is public,
// so its commitment has nothing to hide, and two nodes that record the same
// checkpoint write the same record. It has no time: a checkpoint says
// nothing of when it was signed.
func NewCheckpointRecord(cp Checkpoint, signed []byte) (*liaison.StoredRecord, error) {
	body, err := MarshalCanonical(CheckpointBody{Size: cp.Size, Hash: cp.Hash.String(), Note: string(signed)})
	if err != nil {
		return nil, fmt.Errorf("record checkpoint of size %d: %w", cp.Size, err)
	}
	salt := sha256.Sum256(append([]byte("liaison.ledger.checkpoint-salt\x00"), signed...))
	return &liaison.StoredRecord{Kind: liaison.KindCheckpoint, ID: CheckpointRecordID(cp.Size), Body: body, Salt: salt,
		At: time.Unix(0, 0).UTC()}, nil
}

// Extends checks that the tree in r extends the latest checkpoint stored in
// cps: it has at least that many leaves, and the first of them have the
// signed root. It returns that checkpoint, or the zero Checkpoint when none
// is stored. A tree that does not extend it is an error wrapping
// ErrInconsistent (records were changed, deleted or inserted under the log,
// or the database was rolled back behind a checkpoint it signed); a stored
// checkpoint that v does not verify is an error of kind liaison.Invalid.
//
// A server calls it at start and before it writes, and refuses writes when
// it fails. It cannot see a rollback that took the latest checkpoints'
// rows with it: only a checkpoint kept outside the database can.
func Extends(ctx context.Context, r Reader, cps CheckpointStore, v *Verifier) (Checkpoint, error) {
	signed, err := cps.LatestCheckpoint(ctx)
	switch {
	case liaison.KindOf(err) == liaison.NotFound:
		return Checkpoint{}, nil
	case err != nil:
		return Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	latest, err := v.Open(signed)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the latest stored checkpoint does not verify with this log's key (was the key or the origin changed?): %w", err)
	}
	size, err := r.TreeSize(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("tree size: %w", err)
	}
	if size < latest.Size {
		return latest, fmt.Errorf("%w: the tree has %d leaves but a checkpoint of %d was signed: the database was rolled back", ErrInconsistent, size, latest.Size)
	}
	root, err := TreeHash(ctx, r, latest.Size)
	if err != nil {
		return latest, fmt.Errorf("root at size %d: %w", latest.Size, err)
	}
	if root != latest.Hash {
		return latest, fmt.Errorf("%w: the root at size %d differs from the signed one", ErrInconsistent, latest.Size)
	}
	return latest, nil
}

// recordedCheckpoint is a checkpoint read from its record in the log.
type recordedCheckpoint struct {
	cp    Checkpoint
	index int64 // the record's leaf
	name  string
}

// recordedCheckpoint checks a record of kind liaison.KindCheckpoint at leaf
// index: it must hold a checkpoint signed by the log's key, of a tree no
// larger than the leaves before it. The checkpoint is kept, to be matched
// with the stored ones at the end.
func (a *audit) recordedCheckpoint(r *Record, index int64) {
	var b CheckpointBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		a.rep.add(CheckpointMismatch, index, r.String(), "%s (leaf %d) does not hold a checkpoint: %v", r, index, err)
		return
	}
	cp, err := a.v.Open([]byte(b.Note))
	switch {
	case err != nil:
		a.rep.add(CheckpointMismatch, index, r.String(), "%s (leaf %d): %v", r, index, err)
		return
	case cp.Size > index || cp.Size != b.Size || cp.Hash.String() != b.Hash:
		a.rep.add(CheckpointMismatch, index, r.String(), "%s (leaf %d) holds a checkpoint of size %d that it could not have been recorded after", r, index, cp.Size)
		return
	}
	a.recorded = append(a.recorded, recordedCheckpoint{cp: cp, index: index, name: r.String()})
}

// finishRecorded reports each recorded checkpoint that is not stored, and
// checks its root against the stored tree, which the audit has compared
// with the records by now.
func (a *audit) finishRecorded() error {
	for _, rc := range a.recorded {
		if a.stored[rc.cp] {
			continue
		}
		a.rep.add(CheckpointMissing, rc.index, rc.name, "the checkpoint of size %d recorded at leaf %d is not among the stored checkpoints: its row was deleted", rc.cp.Size, rc.index)
		if rc.cp.Size > a.size {
			continue // reported as beyond the tree when its leaf was read
		}
		root, err := TreeHash(a.ctx, a.src, rc.cp.Size)
		if err != nil {
			if liaison.KindOf(err) == liaison.NotFound {
				continue // missing hashes are reported already
			}
			return fmt.Errorf("verify log: root at size %d: %w", rc.cp.Size, err)
		}
		if root != rc.cp.Hash {
			a.rep.add(CheckpointMismatch, -1, "", "the checkpoint of size %d recorded at leaf %d does not match the tree: a record among its leaves was changed, deleted or inserted after it was signed", rc.cp.Size, rc.index)
		}
	}
	return nil
}
