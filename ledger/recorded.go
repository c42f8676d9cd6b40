package ledger

import (
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
