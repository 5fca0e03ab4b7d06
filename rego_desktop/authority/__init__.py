"""Authority rows: the rows that decide who may do what are authenticated.

An outside edit of the study file (``sqlite3``, a hex editor) must not change who may
do what, or what is signed, without the program saying so. Records are encrypted and
bound to their rows; this package covers the rows that grant or record authority:

========================  ==========================================================
kind (table)              what is authenticated
========================  ==========================================================
users                     uid, user name, full name, role, active, created and
                          password-changed times
key_slots                 uid, kind, the owning user's uid (so a slot cannot be moved
                          to another user), KDF parameters, salt, wrapped key, time
signatures                uid, the patient's uid, signer uid/name/full name, meaning,
                          time, casebook hashes (``content_hash``, ``casebook_digest``,
                          ``transfer_digest``), revocation time and revoker
patients                  uid, subject code and ``locked`` (the casebook lock)
study_settings            key, revision, time and a hash of the encrypted value
study_meta                id, db uid, site code, study id and version, creation,
                          the subject counter and the set digests below
========================  ==========================================================

**Row tags.** Each row has ``auth_tag`` = HMAC-SHA256 with a key derived by HKDF from
the study's data key (only an unlocked study has it) over canonical JSON that starts
with the table name and the row's identity, then the columns above; foreign keys are
resolved to the uid of the row they point to (:mod:`rego_desktop.authority.tags`).

**Set digests.** ``study_meta.authority_sets`` holds, per kind, the number of rows and
the XOR of their tags; the metadata row's tag covers it. A deleted row, an inserted
row, or an older copy of a row put back with its older (then valid) tag changes it.

**Audit trail.** Users (role, active), signatures and locks must also match what the
hash-chained audit trail says the program did: ``user.create``/``user.role``/
``user.(de)activate``, ``casebook.sign``/``casebook.unlock``. This names the altered
field ("role changed outside the program (the audit trail says data_entry …)") and
names deleted users and signatures. Query rows carry no ``auth_tag``: their encrypted
text is bound to the row and its status (associated data, see
:func:`rego_desktop.services.queries.query_aad`), so every open decrypts each query row
(:func:`~rego_desktop.authority.check.query_binding_problems`) and a status or place
changed outside the program refuses the study like an altered tag; ``audit --verify``
also compares each status with the audit trail (``query.open``/``answer``/``close``/
``reopen``). A deleted query row is found by neither.

**When it is checked.** At every unlocked open (log-in, and every command, since they
all open the study) the tags and set digests are recomputed
(:func:`~rego_desktop.authority.check.verify` without the audit comparison: about
0.1 s for 10,000 patients, ``bench/bench_authority.py``); if anything is wrong the study
is refused with one message naming each altered row
(:func:`~rego_desktop.authority.errors.authority_altered`)
and the audit trail is read to name the field. ``audit --verify`` always runs the full
check, audit comparison included, and lists every problem.

**What still works on an altered study.** Opening for work is refused for everybody.
Any user whose password unlocks the study may run ``audit --verify`` (read-only: it
lists every problem and exits 1). An administrator whose own user row verifies may
restore a backup (:mod:`rego_desktop.backup.restore`); the restore is audited in the
replaced study (kept beside it) and in the restored one. Nothing else writes to it.

**Saves.** Every flush of an unlocked study's session re-tags the rows it writes and
updates the set digests (:mod:`rego_desktop.authority.guard`), after checking the
stored tag of each changed or deleted row, so a row altered while the program runs
is refused at the next save instead of being re-tagged.

**Upgrades.** Migration ``0006_authority`` adds the columns; the first unlocked open
after it tags the rows the audit trail vouches for and writes an
``authority.establish`` audit entry. Rows the trail contradicts stay untagged and are
reported. A study whose trail has that entry (or whose ``study.create`` entry says it
was tagged from creation) is never re-tagged: removing tags is reported as tampering.
"""

from __future__ import annotations
