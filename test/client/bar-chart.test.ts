import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import BarChart from '../../client/src/admin/school/BarChart.svelte';

describe('statistics bar chart', () => {
  it('is one labelled image with the peak in words, and the numbers are in a table', () => {
    const data = [
      { x: '1', y: 4 },
      { x: '2', y: 9 },
      { x: '3', y: 0 },
    ];
    const { container } = render(BarChart, {
      title: 'Confirmed per minute',
      xLabel: 'Minute',
      yLabel: 'Appointments',
      data,
    });
    const img = screen.getByRole('img');
    expect(img.getAttribute('aria-label')).toBe(
      'Confirmed per minute. 3 bars; highest 9 at Minute 2. The numbers are in the table below.',
    );
    const heights = [...container.querySelectorAll('rect')].map((r) => Number(r.getAttribute('height')));
    expect(heights[1]).toBeGreaterThan(heights[0]!);
    expect(heights[2]).toBe(0);
    const cells = [...container.querySelectorAll('tbody tr')].map((r) => r.textContent);
    expect(cells).toEqual(['14', '29', '30']);
  });
});
