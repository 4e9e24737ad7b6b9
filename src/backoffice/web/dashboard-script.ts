// The dashboard's only script, served from our origin: it draws the charts with Chart.js from the
// JSON the page carries. Without JavaScript the same figures are in the tables under each chart.
export const dashboardJs = `(function () {
  'use strict';
  var el = document.getElementById('dashboard-data');
  if (!el || !window.Chart) return;
  var d = JSON.parse(el.textContent);
  var Chart = window.Chart;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  Chart.defaults.color = '#0b0c0c';
  var colour = { sms: '#1d70b8', viber: '#7360f2', byViber: '#7360f2', byProviderSms: '#1d70b8', fellBack: '#f47738', viberCost: '#d4351c', email: '#00703c', letter: '#4c2c92', online: '#1d70b8', centre: '#d4351c', import: '#505a5f', due: '#d4351c', later: '#f47738', sending: '#1d70b8', cost: '#d4351c' };
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  function series(names, values, type) {
    return names.map(function (n) {
      return { label: d.names[n], data: values[n], backgroundColor: colour[n], borderColor: colour[n], type: type };
    });
  }
  draw('chart-messages', {
    type: 'bar',
    data: { labels: d.months, datasets: series(['sms', 'viber', 'email', 'letter'], d.messages) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
  draw('chart-delivery', {
    type: 'line',
    data: { labels: d.months, datasets: series(['sms', 'viber', 'email', 'letter'], d.rate) },
    options: { spanGaps: true, scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } } } } }
  });
  draw('chart-sms', {
    type: 'bar',
    data: {
      labels: d.months,
      datasets: [
        { label: d.names.segments, data: d.sms.segments, backgroundColor: colour.sms, yAxisID: 'y' },
        { label: d.names.cost, data: d.sms.cost, type: 'line', borderColor: colour.cost, backgroundColor: colour.cost, yAxisID: 'cost' }
      ]
    },
    options: { scales: { y: { beginAtZero: true, position: 'left' }, cost: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false } } } }
  });
  draw('chart-viber', {
    type: 'bar',
    data: {
      labels: d.months,
      datasets: series(['byViber', 'byProviderSms', 'fellBack'], d.viber).map(function (s) { s.yAxisID = 'y'; return s; }).concat([
        { label: d.names.viberCost, data: d.viber.cost, type: 'line', borderColor: colour.viberCost, backgroundColor: colour.viberCost, yAxisID: 'cost' }
      ])
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, position: 'left' }, cost: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false } } } }
  });
  draw('chart-subscriptions', {
    type: 'line',
    data: { labels: d.months, datasets: series(['online', 'centre', 'import'], d.subscriptions) },
    options: { scales: { y: { beginAtZero: true } } }
  });
  draw('chart-effectiveness', {
    type: 'bar',
    data: { labels: d.effectiveness.stages, datasets: series(['sms', 'viber', 'email', 'letter'], d.effectiveness) },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } } } } }
  });
  draw('chart-queue', {
    type: 'bar',
    data: { labels: d.queue.channels, datasets: series(['due', 'later', 'sending'], d.queue) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
})();
`;
