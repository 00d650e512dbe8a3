/**
 * What a CSV import will do and did (an import quietly cut a teacher's class
 * list from 94 to 1 after a check that said "0 links removed"). The check answers a
 * plan; the import applies exactly that plan; an import's record can be undone.
 */
import { z } from 'zod';
import { ImportKind } from './schools.ts';

const count = z.number().int().min(0);

/** Rows of one kind the plan adds, changes and removes. */
export const ChangeCounts = z.object({ added: count, changed: count, removed: count });

/** One student taken off a list: a teacher's class list or a family's children. */
export const ImportRemoval = z.object({
  list: z.enum(['class-list', 'family']),
  /** The teacher or the family, as the school knows them (with its own id). */
  owner: z.string(),
  /** The student, with class and the school's own id. */
  student: z.string(),
  /** The student has a held or booked appointment through this link (the import keeps it). */
  hasAppointment: z.boolean(),
});

export const ImportPlanReport = z.object({
  kind: ImportKind,
  /** True for a check (`?dryRun=1`): the plan is stored, nothing else is written. */
  dryRun: z.boolean(),
  rows: z.number().int(),
  /** Totals over every kind of change below. */
  created: count,
  updated: count,
  removed: count,
  /** The check's plan: the import must present it (`?plan=`). Null once imported. */
  planId: z.string().nullable(),
  /** The import's record, whose previous state can be restored. Null for a check. */
  importId: z.string().nullable(),
  changes: z.object({
    staff: ChangeCounts,
    students: ChangeCounts,
    families: ChangeCounts,
    familyLinks: ChangeCounts,
    classLinks: ChangeCounts,
    /** Roles (admin, teacher) given to and taken from existing staff. */
    roles: z.object({ granted: count, removed: count }),
  }),
  /** Every removal, up to a limit; `removalsNotListed` counts the rest. */
  removals: z.array(ImportRemoval),
  removalsNotListed: count,
  /**
   * Rows of a families file whose home language Confer does not offer: not an error, those
   * families read English (docs/schools.md).
   */
  languagesNotOffered: count,
  /** Why the import needs `confirmRemovals=1` (empty when it does not). */
  confirmation: z.object({ needed: z.boolean(), reasons: z.array(z.string()) }),
});

/** One import of the school, newest first, and whether its previous state can still be restored. */
export const ImportRecord = z.object({
  id: z.string(),
  kind: ImportKind,
  at: z.string(),
  rows: z.number().int(),
  created: count,
  updated: count,
  removed: count,
  restoredAt: z.string().nullable(),
  /** Nothing imported or changed since would be lost by restoring the state before it. */
  restorable: z.boolean(),
});
export const ImportRecordList = z.object({ imports: z.array(ImportRecord) });

export const RestoreReport = z.object({
  importId: z.string(),
  /** Rows put back as they were: links re-added, fields set back, rows the import added taken away. */
  restored: z.number().int(),
  /** Staff whose role went back (their sessions end, as after any role change). */
  rolesChanged: z.number().int(),
});

export type ImportPlanReport = z.infer<typeof ImportPlanReport>;
export type ImportRemoval = z.infer<typeof ImportRemoval>;
export type ImportRecord = z.infer<typeof ImportRecord>;
export type ImportRecordList = z.infer<typeof ImportRecordList>;
export type RestoreReport = z.infer<typeof RestoreReport>;
