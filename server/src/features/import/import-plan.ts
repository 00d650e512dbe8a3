import type { ImportKind } from '../../../../protocol/schools.ts';
import type { ClassLink, FamilyLink, FamilyRow, Roster, StaffRow, StudentRow } from './school-roster.ts';

/** Rows of one table the plan adds, changes (before → after) and removes. */
export interface Changes<T> {
  added: T[];
  changed: { before: T; after: T }[];
  removed: T[];
}

/**
 * Exactly what an import writes, computed once by `planImport` from the checked file
 * and the school's state, stored, and applied as it is (plan-apply.ts). Its inverse
 * (`invertPlan`) is what restoring the state before the import writes. A plan from a
 * file never removes people: a file of students, families or staff is not the whole
 * roll, so a person it leaves out is kept. Links are the file's truth for each teacher
 * or student it names, so links can be removed.
 */
export interface ImportPlan {
  kind: ImportKind;
  rows: number;
  staff: Changes<StaffRow>;
  students: Changes<StudentRow>;
  families: Changes<FamilyRow>;
  familyLinks: Changes<FamilyLink>;
  classLinks: Changes<ClassLink>;
  /** Rows whose home language Confer does not offer (those families read English). Absent in older plans. */
  languagesNotOffered?: number;
}

export type Role = 'teacher' | 'admin' | 'both';

/** A clean file's rows, in file order, as the check read them. */
export type CheckedRows =
  | {
      kind: 'teachers';
      /** Without a role column, roles stay as they are. */
      setsRoles: boolean;
      rows: {
        externalId: string;
        title: string;
        firstName: string;
        surname: string;
        email: string;
        role: Role;
      }[];
    }
  | { kind: 'students'; rows: (Omit<StudentRow, 'id' | 'externalId'> & { externalId: string })[] }
  | {
      kind: 'families';
      /** Without an email column, addresses the school holds are kept. */
      setsEmail: boolean;
      /** Without an interpreter column, the language staff set is kept. */
      setsInterpreter: boolean;
      /** Rows whose home-language cell named a language Confer does not offer. */
      languagesNotOffered: number;
      rows: (Omit<FamilyRow, 'id' | 'externalId'> & { externalId: string })[];
    }
  | { kind: 'family-students'; rows: FamilyLink[] }
  | { kind: 'class-lists'; rows: ClassLink[] };

const none = <T>(): Changes<T> => ({ added: [], changed: [], removed: [] });

export function emptyPlan(kind: ImportKind, rows: number): ImportPlan {
  return {
    kind,
    rows,
    staff: none(),
    students: none(),
    families: none(),
    familyLinks: none(),
    classLinks: none(),
  };
}

/** Upserts by the school's own id: a row whose every field is as stored is no change. */
function upsert<T extends { id: string | null; externalId: string | null }>(
  current: T[],
  wanted: T[],
  same: (a: T, b: T) => boolean,
  merge: (before: T, wanted: T) => T,
): Changes<T> {
  const byExternal = new Map(current.filter((r) => r.externalId).map((r) => [r.externalId!, r]));
  const out = none<T>();
  for (const w of wanted) {
    const before = byExternal.get(w.externalId!);
    if (!before) out.added.push(w);
    else {
      const after = merge(before, w);
      if (!same(before, after)) out.changed.push({ before, after });
    }
  }
  return out;
}

const sameFields =
  <T>(keys: (keyof T)[]) =>
  (a: T, b: T) =>
    keys.every((k) => a[k] === b[k]);

/**
 * Links for the owners a file names are exactly the file's; other owners' links are
 * left alone. `ownerOf` picks the side the file is the truth for (the teacher of a
 * class list, the student of a family link).
 */
function replaceLinks<T>(
  current: T[],
  wanted: T[],
  ownerOf: (l: T) => string,
  keyOf: (l: T) => string,
  same: (a: T, b: T) => boolean,
): Changes<T> {
  const named = new Set(wanted.map(ownerOf));
  const now = new Map(current.filter((l) => named.has(ownerOf(l))).map((l) => [keyOf(l), l]));
  const out = none<T>();
  const kept = new Set<string>();
  for (const w of wanted) {
    const key = keyOf(w);
    const before = now.get(key);
    kept.add(key);
    if (!before) out.added.push(w);
    else if (!same(before, w)) out.changed.push({ before, after: w });
  }
  for (const [key, l] of now) if (!kept.has(key)) out.removed.push(l);
  return out;
}

/**
 * The one diff: what importing `file` into a school in state `roster` writes. The check
 * computes it (on a CPU thread) and stores it; the import applies what was stored.
 */
export function planImport(file: CheckedRows, roster: Roster): ImportPlan {
  const plan = emptyPlan(file.kind, file.rows.length);
  switch (file.kind) {
    case 'teachers': {
      const wanted: StaffRow[] = file.rows.map((r) => ({
        id: null,
        externalId: r.externalId,
        title: r.title,
        firstName: r.firstName,
        surname: r.surname,
        email: r.email,
        isAdmin: r.role !== 'teacher',
        isTeacher: r.role !== 'admin',
      }));
      plan.staff = upsert(
        roster.staff,
        wanted,
        sameFields<StaffRow>(['title', 'firstName', 'surname', 'email', 'isAdmin', 'isTeacher']),
        (before, w) => ({
          ...w,
          id: before.id,
          isAdmin: file.setsRoles ? w.isAdmin : before.isAdmin,
          isTeacher: file.setsRoles ? w.isTeacher : before.isTeacher,
        }),
      );
      break;
    }
    case 'students':
      plan.students = upsert(
        roster.students,
        file.rows.map((r) => ({ ...r, id: null })),
        sameFields<StudentRow>(['firstName', 'surname', 'yearGroup', 'className']),
        (before, w) => ({ ...w, id: before.id }),
      );
      break;
    case 'families': {
      // An erased family keeps its placeholders: the school erased it on purpose.
      const erased = new Set(roster.families.filter((f) => f.erased).map((f) => f.externalId));
      plan.families = upsert<FamilyRow>(
        roster.families.map(({ erased: _, ...f }) => f),
        file.rows.filter((r) => !erased.has(r.externalId)).map((r) => ({ ...r, id: null })),
        sameFields<FamilyRow>(['surname', 'email', 'interpreterLanguage', 'language']),
        (before, w) => ({
          ...w,
          id: before.id,
          email: file.setsEmail ? w.email : before.email,
          interpreterLanguage: file.setsInterpreter ? w.interpreterLanguage : before.interpreterLanguage,
          // The home language only fills in one not known: a family's own choice (or an
          // admin's) is never overwritten by the MIS.
          language: before.language ?? w.language,
        }),
      );
      plan.languagesNotOffered = file.languagesNotOffered;
      break;
    }
    case 'family-students':
      plan.familyLinks = replaceLinks(
        roster.familyLinks,
        file.rows,
        (l) => l.studentId,
        (l) => `${l.familyId}:${l.studentId}`,
        () => true,
      );
      break;
    case 'class-lists':
      plan.classLinks = replaceLinks(
        roster.classLinks,
        file.rows,
        (l) => l.staffId,
        (l) => `${l.staffId}:${l.studentId}`,
        (a, b) => a.subject === b.subject,
      );
      break;
  }
  return plan;
}

/** What undoes `plan` once applied (with the ids it gave the rows it added). */
export function invertPlan(plan: ImportPlan): ImportPlan {
  const flip = <T>(c: Changes<T>): Changes<T> => ({
    added: c.removed,
    changed: c.changed.map(({ before, after }) => ({ before: after, after: before })),
    removed: c.added,
  });
  return {
    kind: plan.kind,
    rows: plan.rows,
    staff: flip(plan.staff),
    students: flip(plan.students),
    families: flip(plan.families),
    familyLinks: flip(plan.familyLinks),
    classLinks: flip(plan.classLinks),
    languagesNotOffered: 0,
  };
}
