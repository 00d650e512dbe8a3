import type { BookingService } from '../booking/booking.service.ts';
import type { ItineraryService } from '../itinerary/itinerary.service.ts';
import type { OnTheNightService } from '../on-the-night/on-the-night.service.ts';
import type { OffersService } from '../waiting-list/offers.service.ts';
import type { WaitingListService } from '../waiting-list/waiting-list.service.ts';
import type { FairStartService } from './fair-start.service.ts';
import type { FairnessContext } from './fairness-context.ts';
import type { VirtualQueue } from './virtual-queue.ts';

/**
 * The services of fair booking (opening modes, queue, itineraries, waiting lists, the
 * night itself) as the routes and workers receive them; wiring/fairness-services.ts
 * builds them.
 */
export interface FairnessServices {
  context: FairnessContext;
  fairStart: FairStartService;
  queue: VirtualQueue;
  itinerary: ItineraryService;
  booking: BookingService;
  offers: OffersService;
  waitingList: WaitingListService;
  night: OnTheNightService;
  close(): Promise<void>;
}
