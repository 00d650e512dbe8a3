export * from './admin.ts';
export * from './errors.ts';
export * from './jobs.ts';
export * from './schemas.ts';
export * from './schools.ts';
export * from './socket-events.ts';
export * from './storable-text.ts';
