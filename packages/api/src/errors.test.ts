import { describe, expect, it } from 'vitest';
import { MeshError, isMeshError, toMeshError } from './errors.js';

describe('MeshError', () => {
  it('maps codes to HTTP statuses and says which are retryable', () => {
    const conflict = new MeshError('Conflict', 'version changed');
    expect(conflict.httpStatus).toBe(409);
    expect(conflict.retryable).toBe(true);
    expect(new MeshError('MethodNotAllowed', 'x').httpStatus).toBe(405);
    expect(new MeshError('InvalidInput', 'x').retryable).toBe(false);
  });

  it('keeps field causes and the cause chain', () => {
    const root = new Error('socket closed');
    const err = new MeshError('InvalidInput', 'bad', {
      causes: [{ field: 'sources', message: 'must have at least one element' }],
      cause: root,
    });
    expect(err.causes).toEqual([{ field: 'sources', message: 'must have at least one element' }]);
    expect(err.cause).toBe(root);
    expect(isMeshError(err, 'InvalidInput')).toBe(true);
    expect(isMeshError(err, 'NotFound')).toBe(false);
  });

  it('turns anything thrown into an Internal MeshError, leaving MeshErrors as they are', () => {
    const own = new MeshError('NotFound', 'gone');
    expect(toMeshError(own)).toBe(own);
    const wrapped = toMeshError(new TypeError('boom'));
    expect(wrapped.code).toBe('Internal');
    expect(wrapped.message).toBe('boom');
    expect(toMeshError('text').message).toBe('text');
  });
});
