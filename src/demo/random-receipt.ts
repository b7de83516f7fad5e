/** Random but plausible receipt contents for the simulated tills. */
import type { Prng } from '../testing/prng.js';

const PRODUCTS = [
  ['Espresso', '1.20', '10'],
  ['Cappuccino', '1.60', '10'],
  ['Croissant', '1.50', '10'],
  ['Newspaper', '2.00', '4'],
  ['Book', '14.90', '4'],
  ['Mineral water', '0.90', '22'],
  ['Sunglasses', '39.00', '22'],
  ['Bus ticket', '2.00', 'N1'],
  ['Stamp', '1.25', 'N4'],
] as const;

export interface RandomItem {
  description: string;
  quantity: string;
  unitPrice: string;
  vat: string;
}

export function randomItems(rng: Prng): RandomItem[] {
  const count = rng.int(1, 4);
  const items: RandomItem[] = [];
  for (let i = 0; i < count; i++) {
    const [description, unitPrice, vat] = rng.pick(PRODUCTS);
    items.push({ description, quantity: String(rng.int(1, 3)), unitPrice, vat });
  }
  return items;
}
