import { Illegal, type Model } from '../model.ts';
import { acceptsTable, anyValue } from './accepts.ts';

/** A lock: acquire when free, release when held. */
export function mutexModel(): Model<unknown> {
  const model: Model<boolean> = {
    name: 'mutex',
    init: () => false,
    step(held, c) {
      if (c.f === 'acquire') return held ? new Illegal('acquire, but the lock is held') : true;
      if (c.f === 'release') return held ? false : new Illegal('release, but the lock is free');
      return new Illegal(() => `mutex has no operation ${c.f}`);
    },
    accepts: acceptsTable({ acquire: anyValue, release: anyValue }),
    takes: 'acquire, release',
    describeState: (held) => (held ? 'held' : 'free'),
  };
  return model as Model<unknown>;
}
